/**
 * The sliding window of one (provider, destination) series. It keeps the last `maxSamples`
 * packets no older than `maxAgeMs`, and updates every statistic incrementally as packets enter
 * and leave: a running sum for the mean, a sorted typed array (binary search + memmove) for the
 * median and p95, counters for loss, a queue of runs for availability (a run stays while any of
 * its packets does). Ingest is O(log n + shift) and a read is O(1); the benchmark compares this
 * with recomputing from the window on each sample. "Last N packets" is in arrival order (an
 * import of older results counts as recent); age expiry drops from the oldest arrival.
 */
import { jitterStep, lowerBound, medianSorted, percentileSorted, wilsonInterval } from './stats-math.ts';

export interface WindowConfig {
  /** Most packets kept (older ones leave first). */
  maxSamples: number;
  /** Packets older than this leave the window (ms). */
  maxAgeMs: number;
}

export interface WindowStats {
  /** Packets in the window. */
  sent: number;
  received: number;
  meanMs: number | null;
  medianMs: number | null;
  p95Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** RFC 3550 §6.4.1 jitter estimate (ms), running over the received packets. */
  jitterMs: number | null;
  /** Lost / sent over the window, 0..1. */
  lossRatio: number | null;
  /** Wilson 95 % interval of the loss ratio. */
  lossLow: number | null;
  lossHigh: number | null;
  /** Probe runs in the window that got at least one reply / runs, 0..1. */
  availability: number | null;
  runs: number;
  /** Time of the newest packet (epoch ms). */
  measuredAt: number | null;
}

// Packets live in a ring of parallel typed arrays: no object per sample, no GC churn at high
// ingest rates.
export class SlidingWindow {
  private readonly cap: number;
  private at: Float64Array;
  private rtt: Float64Array; // NaN = lost
  private head = 0; // index of the oldest packet
  private n = 0;
  private received = 0;
  private sum = 0;
  // Received RTTs in ascending order, in a typed array moved with copyWithin (a memmove): an
  // Array.splice on a thousand doubles costs several times more.
  private sorted: Float64Array;
  private jitter = 0;
  private prevRtt = NaN;
  private newest = -Infinity;
  private shifts = 0;
  // Runs in arrival order: packets still in the window, and whether any reply came back.
  private runLeft: number[] = [];
  private runOk: boolean[] = [];
  private runHead = 0;
  private runsOk = 0;

  constructor(readonly config: WindowConfig) {
    this.cap = config.maxSamples;
    // Start small and double up to the cap: most series see few probes.
    const initial = Math.min(this.cap, 64);
    this.at = new Float64Array(initial);
    this.rtt = new Float64Array(initial);
    this.sorted = new Float64Array(initial);
  }

  /** Adds one run: `sent` packets at time `at`, the replies' RTTs in order. */
  addRun(at: number, sent: number, rtts: readonly number[]): void {
    const lost = sent - rtts.length;
    // The run is queued before its packets so that a run larger than the window, evicting its
    // own first packets, is accounted for.
    const ok = rtts.length > 0;
    this.runLeft.push(0);
    this.runOk.push(ok);
    if (ok) this.runsOk++;
    // Lost packets are placed after the replies: a run reports how many were lost, not which.
    for (const r of rtts) this.push(at, r);
    for (let i = 0; i < lost; i++) this.push(at, NaN);
    if (at > this.newest) this.newest = at;
    this.expire(this.newest);
  }

  /** Drops what is older than the window's age limit relative to `now`. */
  expire(now: number): void {
    const cutoff = now - this.config.maxAgeMs;
    while (this.n > 0 && this.at[this.head] < cutoff) this.shift();
    this.dropEmptyRuns();
    if (this.n === 0) {
      this.jitter = 0;
      this.prevRtt = NaN;
    }
  }

  get size(): number {
    return this.n;
  }

  stats(): WindowStats {
    const sent = this.n;
    const rec = this.received;
    const runs = this.runLeft.length - this.runHead;
    const loss = sent > 0 ? wilsonInterval(sent - rec, sent) : undefined;
    return {
      sent,
      received: rec,
      meanMs: rec ? this.sum / rec : null,
      medianMs: rec ? this.median() : null,
      p95Ms: rec ? this.percentile(0.95) : null,
      minMs: rec ? this.sorted[0] : null,
      maxMs: rec ? this.sorted[rec - 1] : null,
      jitterMs: rec > 1 ? this.jitter : null,
      lossRatio: sent ? (sent - rec) / sent : null,
      lossLow: loss ? loss.low : null,
      lossHigh: loss ? loss.high : null,
      availability: runs ? this.runsOk / runs : null,
      runs,
      measuredAt: sent ? this.newest : null,
    };
  }

  /** The latency statistic classes are decided on, without building the whole stats object. */
  latency(statistic: 'mean' | 'median' | 'p95'): number | null {
    if (this.received === 0) return null;
    return statistic === 'mean' ? this.sum / this.received : statistic === 'median' ? this.median() : this.percentile(0.95);
  }

  get receivedCount(): number {
    return this.received;
  }

  private median(): number {
    return medianSorted(this.sorted.subarray(0, this.received));
  }

  private percentile(q: number): number {
    return percentileSorted(this.sorted.subarray(0, this.received), q);
  }

  private dropEmptyRuns(): void {
    while (this.runHead < this.runLeft.length && this.runLeft[this.runHead] === 0) {
      if (this.runOk[this.runHead]) this.runsOk--;
      this.runHead++;
    }
    if (this.runHead > 1024 && this.runHead * 2 > this.runLeft.length) {
      this.runLeft = this.runLeft.slice(this.runHead);
      this.runOk = this.runOk.slice(this.runHead);
      this.runHead = 0;
    }
  }

  private push(at: number, rtt: number): void {
    // Counted to the current run first, so the eviction below can never empty it.
    this.runLeft[this.runLeft.length - 1]++;
    if (this.n === this.cap) {
      this.shift();
      this.dropEmptyRuns();
    } else if (this.n === this.at.length) this.grow();
    const i = (this.head + this.n) % this.at.length;
    this.at[i] = at;
    this.rtt[i] = rtt;
    this.n++;
    if (!Number.isNaN(rtt)) {
      this.received++;
      this.sum += rtt;
      const n = this.received - 1; // sorted holds n values before this one
      if (n === this.sorted.length) {
        const bigger = new Float64Array(Math.min(this.cap, Math.max(64, this.sorted.length * 2)));
        bigger.set(this.sorted);
        this.sorted = bigger;
      }
      const at = lowerBound(this.sorted, rtt, n);
      this.sorted.copyWithin(at + 1, at, n);
      this.sorted[at] = rtt;
      if (!Number.isNaN(this.prevRtt)) this.jitter = jitterStep(this.jitter, this.prevRtt, rtt);
      this.prevRtt = rtt;
    }
  }

  private grow(): void {
    const len = Math.min(this.cap, this.at.length * 2);
    const at = new Float64Array(len);
    const rtt = new Float64Array(len);
    for (let k = 0; k < this.n; k++) {
      const j = (this.head + k) % this.at.length;
      at[k] = this.at[j];
      rtt[k] = this.rtt[j];
    }
    this.at = at;
    this.rtt = rtt;
    this.head = 0;
  }

  private shift(): void {
    const r = this.rtt[this.head];
    // The oldest packet belongs to the oldest run that still has packets.
    let k = this.runHead;
    while (this.runLeft[k] === 0) k++;
    this.runLeft[k]--;
    this.head = (this.head + 1) % this.at.length;
    this.n--;
    if (!Number.isNaN(r)) {
      const n = this.received;
      const at = lowerBound(this.sorted, r, n);
      this.sorted.copyWithin(at, at + 1, n);
      this.received--;
      this.sum -= r;
      // Re-add from the sorted copy once per window turnover so float subtraction cannot drift.
      if (++this.shifts >= this.cap) {
        this.shifts = 0;
        this.sum = 0;
        for (let k = 0; k < this.received; k++) this.sum += this.sorted[k];
      }
    }
  }
}
