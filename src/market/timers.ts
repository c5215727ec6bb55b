/**
 * Clock-driven work (order expiry, trade start and end) keyed by time. Many timers share a time
 * (month boundaries, period ends), so timers are grouped in buckets per distinct time and only the
 * distinct times sit in a binary min-heap: adding a timer at a known time is a Map look-up and a
 * push. Within one time, timers fire in the order they were added — deterministic for a replay.
 * A trade's timers stay armed when it is cancelled (the engine ignores a timer whose target has
 * moved on); an order's expiry is disarmed when the order closes (`disarm`), so a filled order
 * is not kept alive until its expiry, which may be months away.
 */

import { Column } from './column.ts';

export const TIMER_ORDER_EXPIRY = 0;
export const TIMER_TRADE_START = 1;
export const TIMER_TRADE_END = 2;

/**
 * The timers due at one time, as parallel columns (no object per timer; a month boundary can hold
 * millions); null: disarmed.
 */
export interface Bucket {
  kinds: Column<number>;
  targets: Column<unknown>;
  /** Disarmed entries (nulls) in `targets`. */
  holes: number;
  /** False once taken (firing or fired): no longer compacted. */
  armed: boolean;
}

/** What an order carries to be disarmed: its bucket and its position there. */
export interface Disarmable {
  timerBucket: Bucket | null;
  timerSlot: number;
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
        b = { kinds: new Column<number>(0), targets: new Column<unknown>(null), holes: 0, armed: true };
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

  /** Arms an order's expiry at `at`, remembering where so `disarm` can take it out. */
  addDisarmable(at: number, kind: number, target: Disarmable): void {
    this.add(at, kind, target);
    const b = at === this.lastAt ? this.last! : this.buckets.get(at)!;
    target.timerBucket = b;
    target.timerSlot = b.targets.length - 1;
  }

  /** Takes an armed target out (its entry becomes a hole; keeps the others' order). */
  disarm(target: Disarmable): void {
    const b = target.timerBucket;
    if (b === null) return;
    target.timerBucket = null;
    b.targets.set(target.timerSlot, null);
    if (!b.armed || ++b.holes <= 1024 || 2 * b.holes <= b.targets.length) return;
    // Mostly holes: compact in order, telling the moved disarmable targets their new place.
    const ks = b.kinds;
    const ts = b.targets;
    let w = 0;
    for (let i = 0; i < ts.length; i++) {
      const t = ts.at(i);
      if (t === null) continue;
      if (w !== i) {
        ks.set(w, ks.at(i));
        ts.set(w, t);
        if ((t as Partial<Disarmable>).timerBucket === b) (t as Disarmable).timerSlot = w;
      }
      w++;
    }
    ks.truncate(w);
    ts.truncate(w);
    b.holes = 0;
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
    bucket.armed = false;
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
    for (const b of this.buckets.values()) n += b.kinds.length - b.holes;
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
