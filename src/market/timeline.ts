/**
 * A capacity timeline: how many Mbps are in use at every instant, as a step function over sorted
 * breakpoints. Used for what a sell order has already sold (a 10 Gbps December offer can be sold
 * as 4 Gbps for the first half and 8 Gbps for the second) and for what a port has reserved.
 *
 * `times[i]` starts a step whose level is `levels[i]`, lasting until `times[i+1]`; before the first
 * breakpoint and after the last the level is 0 (the last level is always 0). Operations cost the
 * number of breakpoints inside the interval asked, which stays small: trades share period bounds.
 */
export class Timeline {
  private times: number[] = [];
  private levels: number[] = [];

  /** Highest level anywhere in [start, end). */
  maxIn(start: number, end: number): number {
    const t = this.times;
    const n = t.length;
    if (n === 0 || end <= t[0] || start >= t[n - 1]) return 0;
    const i = this.floorIndex(start);
    // Before the first breakpoint the level is 0; every step starting inside [start, end) counts.
    let max = i < 0 ? 0 : this.levels[i];
    for (let j = i + 1; j < n && t[j] < end; j++) if (this.levels[j] > max) max = this.levels[j];
    return max;
  }

  /** Lowest level anywhere in [start, end). */
  minIn(start: number, end: number): number {
    const t = this.times;
    const n = t.length;
    if (n === 0 || start < t[0] || end > t[n - 1]) return 0;
    const i = this.floorIndex(start);
    let min = this.levels[i];
    for (let j = i + 1; j < n && t[j] < end; j++) if (this.levels[j] < min) min = this.levels[j];
    return min;
  }

  /** Adds `delta` Mbps over [start, end) (negative to release). */
  add(start: number, end: number, delta: number): void {
    if (delta === 0 || end <= start) return;
    const i = this.ensure(start);
    const j = this.ensure(end);
    const lv = this.levels;
    for (let k = i; k < j; k++) lv[k] += delta;
    if (delta < 0) this.compact();
  }

  get empty(): boolean {
    return this.times.length === 0;
  }

  /**
   * Breakpoints as [time, level] pairs, for snapshots and tests, in canonical form (equal
   * neighbouring steps merged, no leading zero step): `add` merges steps only when it releases,
   * so two timelines that went through different adds (a rolled-back FOK fill, a replay) can
   * hold the same function with different breakpoints.
   */
  steps(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.times.length; i++) {
      const v = this.levels[i];
      if (out.length === 0 ? v === 0 : out[out.length - 1][1] === v) continue;
      out.push([this.times[i], v]);
    }
    return out;
  }

  /** Drops everything before `t` (history no longer needed for future checks). */
  pruneBefore(t: number): void {
    const i = this.floorIndex(t);
    if (i <= 0) return;
    this.times.splice(0, i);
    this.levels.splice(0, i);
    if (this.times.length === 1) {
      // A single breakpoint carries level 0 by construction: nothing is in use.
      this.times.length = 0;
      this.levels.length = 0;
    }
  }

  /** Index of the last breakpoint ≤ t, or -1. */
  private floorIndex(x: number): number {
    const t = this.times;
    let lo = 0;
    let hi = t.length - 1;
    if (hi < 0 || x < t[0]) return -1;
    if (x >= t[hi]) return hi;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (t[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Index of the breakpoint at `x`, inserting one (inheriting the level in force) if needed. */
  private ensure(x: number): number {
    const t = this.times;
    const n = t.length;
    if (n === 0) {
      t.push(x);
      this.levels.push(0);
      return 0;
    }
    if (x > t[n - 1]) {
      t.push(x);
      this.levels.push(0);
      return n;
    }
    const i = this.floorIndex(x);
    if (i >= 0 && t[i] === x) return i;
    const level = i < 0 ? 0 : this.levels[i];
    t.splice(i + 1, 0, x);
    this.levels.splice(i + 1, 0, level);
    return i + 1;
  }

  /** Merges equal neighbouring steps and trims zero steps at the ends. */
  private compact(): void {
    const t = this.times;
    const lv = this.levels;
    let w = 0;
    for (let r = 0; r < t.length; r++) {
      if (w > 0 && lv[w - 1] === lv[r]) continue;
      if (w === 0 && lv[r] === 0 && r < t.length - 1) continue;
      t[w] = t[r];
      lv[w] = lv[r];
      w++;
    }
    t.length = w;
    lv.length = w;
    if (w === 1) {
      t.length = 0;
      lv.length = 0;
    }
  }
}
