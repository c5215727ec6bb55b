/**
 * Quality benchmark (npm run bench:quality):
 *  1. Samples (probe packets) ingested per second into the statistics: the quality database
 *     (validation, per-(provider, destination) window, per-family aggregate, provider window,
 *     class evaluation) and the bare sliding window, against the naive approach of recomputing
 *     every statistic from the window after each run (the reference), on the same workload.
 *  2. Probe decisions per second the scheduler sustains without exceeding its limits: a
 *     ManualClock drives it through simulated time; every issued job is checked against the
 *     global and per-target token-bucket bounds. Reference: a linear scan for the most overdue
 *     target on each decision (same limits).
 * Writes bench/results/quality.json.
 */
import { ManualClock, sequentialIds } from '../src/lib/index.ts';
import { ProbeScheduler, QualityDb, SlidingWindow, TokenBucket, medianSorted, percentileSorted } from '../src/quality/index.ts';
import { type ComparedFigure as Figure, writeFigures } from './figures.ts';

const figures: Figure[] = [];
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

// Deterministic workload: runs of 10 packets, 1000 series, ~5 % loss, RTTs 5..80 ms.
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const SERIES = 1000;
const PER_RUN = 10;
const WINDOW = 1000;
function workload(runs: number) {
  const rnd = lcg(42);
  const out: Array<{ s: number; at: number; rtts: number[] }> = [];
  for (let i = 0; i < runs; i++) {
    const rtts: number[] = [];
    for (let k = 0; k < PER_RUN; k++) if (rnd() > 0.05) rtts.push(5 + rnd() * 75);
    out.push({ s: i % SERIES, at: 1_000_000 + i, rtts });
  }
  return out;
}

/** The reference: keep the packets, recompute mean/median/p95/jitter/loss from scratch after each run. */
class NaiveSeries {
  packets: Array<number | null> = [];
  last = { mean: 0, median: 0, p95: 0, loss: 0, jitter: 0 };
  add(sent: number, rtts: number[]) {
    for (const r of rtts) this.packets.push(r);
    for (let i = rtts.length; i < sent; i++) this.packets.push(null);
    if (this.packets.length > WINDOW) this.packets = this.packets.slice(this.packets.length - WINDOW);
    const rec = this.packets.filter((p): p is number => p !== null);
    const sorted = [...rec].sort((a, b) => a - b);
    let j = 0;
    for (let i = 1; i < rec.length; i++) j += (Math.abs(rec[i] - rec[i - 1]) - j) / 16;
    this.last = {
      mean: rec.reduce((a, b) => a + b, 0) / rec.length,
      median: medianSorted(sorted),
      p95: percentileSorted(sorted, 0.95),
      loss: (this.packets.length - rec.length) / this.packets.length,
      jitter: j,
    };
  }
}

function timeIt(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// ---- 1. ingest ---------------------------------------------------------------------------
{
  const RUNS = 400_000; // 4 M packets
  const work = workload(RUNS);
  const packets = RUNS * PER_RUN;
  const clock = new ManualClock(1_000_000 + RUNS);
  const db = new QualityDb({ clock }, { window: { maxSamples: WINDOW, maxAgeMs: 1e12 } });
  const dests = Array.from({ length: SERIES }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  const provs = Array.from({ length: 50 }, (_, i) => `mem_${i}`);
  const tDb = timeIt(() => {
    for (const w of work) {
      db.ingest({ provider: provs[w.s % 50], destination: dests[w.s], target: '10.0.0.1', method: 'udp', at: w.at, sent: PER_RUN, rtts: w.rtts, source: 'exchange', verified: true });
    }
  });
  const windows = Array.from({ length: SERIES }, () => new SlidingWindow({ maxSamples: WINDOW, maxAgeMs: 1e12 }));
  const tWin = timeIt(() => {
    for (const w of work) {
      windows[w.s].addRun(w.at, PER_RUN, w.rtts);
      windows[w.s].stats();
    }
  });
  // The naive reference on a tenth of the runs spread over 100 series, so that its windows are
  // full (steady state) for most of the run, as the incremental ones are above.
  const NAIVE_RUNS = 40_000;
  const NAIVE_SERIES = 100;
  const naive = Array.from({ length: NAIVE_SERIES }, () => new NaiveSeries());
  const tNaive = timeIt(() => {
    for (let i = 0; i < NAIVE_RUNS; i++) naive[i % NAIVE_SERIES].add(PER_RUN, work[i].rtts);
  });
  // Same answers: replay the naive workload into fresh windows and compare.
  const check = Array.from({ length: NAIVE_SERIES }, () => new SlidingWindow({ maxSamples: WINDOW, maxAgeMs: 1e12 }));
  for (let i = 0; i < NAIVE_RUNS; i++) check[i % NAIVE_SERIES].addRun(work[i].at, PER_RUN, work[i].rtts);
  for (let s = 0; s < NAIVE_SERIES; s += 7) {
    const a = check[s].stats();
    const b = naive[s].last;
    if (a.medianMs !== b.median || a.p95Ms !== b.p95 || Math.abs(a.meanMs! - b.mean) > 1e-9 || a.lossRatio !== b.loss || Math.abs(a.jitterMs! - b.jitter) > 1e-9) {
      throw new Error(`incremental and naive statistics disagree on series ${s}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
  const rateDb = packets / tDb;
  const rateWin = packets / tWin;
  const rateNaive = (NAIVE_RUNS * PER_RUN) / tNaive;
  console.log(`ingest: quality db ${fmt(rateDb)} samples/s, window ${fmt(rateWin)} samples/s, naive recompute ${fmt(rateNaive)} samples/s (×${(rateDb / rateNaive).toFixed(1)} / ×${(rateWin / rateNaive).toFixed(1)})`);
  figures.push({ name: 'ingest samples/s into the quality database (1000 series, window 1000)', value: Math.round(rateDb), unit: 'samples/s', reference: 'naive recompute of every statistic per run', referenceValue: Math.round(rateNaive), goal: '≥ 100 000 samples/s (10 000 targets × 10 packets every second) and faster than the naive recompute', met: rateDb >= 1e5 && rateDb > rateNaive });
  figures.push({ name: 'ingest samples/s into one sliding window + read of all statistics per run', value: Math.round(rateWin), unit: 'samples/s', reference: 'naive recompute of every statistic per run', referenceValue: Math.round(rateNaive), goal: '≥ 10× the naive recompute', met: rateWin >= 10 * rateNaive });
}

// ---- 2. scheduler ------------------------------------------------------------------------
/** Runs `decide` through simulated time until `jobs` jobs were issued; checks the limits. */
function driveScheduler(targets: number, jobs: number, useNaive: boolean) {
  const globalRate = 20_000;
  const perTargetRate = 1;
  const cfg = { globalRatePerSec: globalRate, globalBurst: 200, perTargetRatePerSec: perTargetRate, perTargetBurst: 1, baseIntervalMs: 2000, minIntervalMs: 100, revalidateMs: 3_600_000 };
  const clock = new ManualClock(0);
  const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  let next: (now: number) => { target: string } | undefined;
  if (!useNaive) {
    const s = new ProbeScheduler(sequentialIds(), cfg, 0);
    for (let i = 0; i < targets; i++) s.upsertTarget({ provider: `mem_${i % 100}`, destination: `${addr(i)}/32`, target: addr(i), method: 'icmp' }, 0);
    next = (now) => s.next(now).job;
  } else {
    // Reference: same limits, the most overdue target found by scanning all of them.
    const last = new Float64Array(targets).fill(-Infinity);
    const buckets = Array.from({ length: targets }, () => new TokenBucket(perTargetRate, 1, 0));
    const g = new TokenBucket(globalRate, 200, 0);
    next = (now) => {
      if (!g.has(now)) return undefined;
      let best = -1;
      let bestDue = Infinity;
      for (let i = 0; i < targets; i++) {
        const due = last[i] + cfg.baseIntervalMs;
        if (due <= now && due < bestDue && buckets[i].has(now)) {
          best = i;
          bestDue = due;
        }
      }
      if (best < 0) return undefined;
      g.take(now);
      buckets[best].take(now);
      last[best] = now;
      return { target: addr(best) };
    };
  }
  const times: number[] = [];
  const lastByTarget = new Map<string, number>();
  let violations = 0;
  const t = timeIt(() => {
    while (times.length < jobs) {
      const now = clock.now();
      for (;;) {
        const j = next(now);
        if (!j) break;
        times.push(now);
        const prev = lastByTarget.get(j.target);
        // Burst 1 at 1/s: two probes of one target are ≥ 1 s apart.
        if (prev !== undefined && now - prev < 1000 / perTargetRate - 1e-6) violations++;
        lastByTarget.set(j.target, now);
        if (times.length >= jobs) break;
      }
      clock.advance(1);
    }
  });
  // Global: at most rate·w + burst jobs in any window w (checked over 1 s windows).
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= 1000) lo++;
    if (hi - lo + 1 > globalRate + 200) violations++;
  }
  return { rate: times.length / t, violations, simulatedSec: clock.now() / 1000 };
}

{
  const heap10k = driveScheduler(10_000, 200_000, false);
  const naive10k = driveScheduler(10_000, 20_000, true);
  const heap100k = driveScheduler(100_000, 400_000, false);
  console.log(`scheduler 10k targets: ${fmt(heap10k.rate)} decisions/s (violations ${heap10k.violations}); linear scan ${fmt(naive10k.rate)}/s (violations ${naive10k.violations}); ×${(heap10k.rate / naive10k.rate).toFixed(1)}`);
  console.log(`scheduler 100k targets: ${fmt(heap100k.rate)} decisions/s (violations ${heap100k.violations}, ${heap100k.simulatedSec} s simulated)`);
  figures.push({ name: 'scheduler probe decisions/s within limits, 10 000 targets', value: Math.round(heap10k.rate), unit: 'probes/s', reference: 'linear scan for the most overdue target (same limits)', referenceValue: Math.round(naive10k.rate), goal: '≥ 5× the linear scan, 0 limit violations', met: heap10k.rate >= 5 * naive10k.rate && heap10k.violations === 0 && naive10k.violations === 0 });
  figures.push({ name: 'scheduler probe decisions/s within limits, 100 000 targets', value: Math.round(heap100k.rate), unit: 'probes/s', reference: 'global limit configured (20 000/s): the real probe rate it must sustain', referenceValue: 20_000, goal: '≥ the configured global rate (scheduling never the bottleneck), 0 violations', met: heap100k.rate >= 20_000 && heap100k.violations === 0 });
}

writeFigures('quality', figures);
for (const f of figures) console.log(`${f.met ? 'MET ' : 'MISS'} ${f.name}: ${fmt(f.value)} ${f.unit} vs ${fmt(f.referenceValue)} (${f.reference}) ×${(f.value / f.referenceValue).toFixed(1)} — goal ${f.goal}`);
