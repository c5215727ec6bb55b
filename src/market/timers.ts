/**
 * Clock-driven work (order expiry, trade start and end) keyed by time. Many timers share a time
 * (month boundaries, period ends), so timers are grouped in buckets per distinct time and only the
 * distinct times sit in a binary min-heap: adding a timer at a known time is a Map look-up and a
 * push. Within one time, timers fire in the order they were added — deterministic for a replay.
 * Cancelled work is not removed; the engine ignores a timer whose target has moved on.
 */

export const TIMER_ORDER_EXPIRY = 0;
export const TIMER_TRADE_START = 1;
export const TIMER_TRADE_END = 2;

/** The timers due at one time, as parallel arrays (no object per timer). */
export interface Bucket {
  kinds: number[];
  targets: unknown[];
}

export class TimerQueue {
  private readonly heap: number[] = [];
  private readonly buckets = new Map<number, Bucket>();
  // The two most recently used buckets: orders and trades of one period arm the same two times.
  private lastAt = NaN;
  private last: Bucket | null = null;
  private prevAt = NaN;
  private prev: Bucket | null = null;

  /** Arms `target` (an order or a trade) at `at`. */
  add(at: number, kind: number, target: unknown): void {
    let b: Bucket | undefined;
    if (at === this.lastAt) b = this.last!;
    else {
      b = at === this.prevAt ? this.prev! : this.buckets.get(at);
      if (!b) {
        b = { kinds: [], targets: [] };
        this.buckets.set(at, b);
        this.push(at);
      }
      this.prevAt = this.lastAt;
      this.prev = this.last;
      this.lastAt = at;
      this.last = b;
    }
    b.kinds.push(kind);
    b.targets.push(target);
  }

  /** Earliest time with pending timers, or Infinity. */
  get nextAt(): number {
    return this.heap.length ? this.heap[0] : Infinity;
  }

  /** Removes and returns the timers of the earliest time if it is ≤ now. */
  takeDue(now: number): { at: number; bucket: Bucket } | undefined {
    if (!this.heap.length || this.heap[0] > now) return undefined;
    const at = this.pop();
    const bucket = this.buckets.get(at)!;
    this.buckets.delete(at);
    if (this.lastAt === at) {
      this.lastAt = NaN;
      this.last = null;
    }
    if (this.prevAt === at) {
      this.prevAt = NaN;
      this.prev = null;
    }
    return { at, bucket };
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.kinds.length;
    return n;
  }

  private push(x: number): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p] <= x) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = x;
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r] < h[l] ? r : l;
        if (h[c] >= last) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
