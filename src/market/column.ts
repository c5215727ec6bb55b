/**
 * Growable arrays stored in chunks of 4096 entries, for the engine's per-trade and per-timer
 * columns. The engine keeps millions of live trades and timers; as one plain array each, every
 * push that grew it past its capacity copied the whole backing store into a new one in V8's
 * large-object space, and each copy re-recorded every slot still pointing into the young
 * generation, so pushes into those arrays and the GC behind them were about a third of bench (a).
 * Full chunks are allocated once and never copied. The first chunk grows as needed (a timer
 * bucket of one order stays small). Reads cost one more indexed load than a plain array.
 * (Float64Array chunks for the numeric columns measured 13% slower in bench (a).)
 */
const BITS = 12;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;

export class Column<T> {
  private readonly chunks: T[][] = [[]];
  private n = 0;
  /** `fill`: the value of entries not yet written (and of entries past a truncation). */
  constructor(private readonly fill: T) {}

  get length(): number {
    return this.n;
  }

  at(i: number): T {
    return this.chunks[i >>> BITS][i & MASK];
  }

  set(i: number, v: T): void {
    this.chunks[i >>> BITS][i & MASK] = v;
  }

  push(v: T): void {
    const i = this.n++;
    if (i < SIZE) {
      this.chunks[0].push(v);
      return;
    }
    if ((i & MASK) === 0) this.chunks.push(new Array<T>(SIZE).fill(this.fill));
    this.chunks[i >>> BITS][i & MASK] = v;
  }

  /** Keeps the first `n` entries; the rest go back to `fill` (nothing dead stays referenced). */
  truncate(n: number): void {
    if (n >= this.n) return;
    if (n <= SIZE) {
      this.chunks.length = 1;
      this.chunks[0].length = n;
    } else {
      const keep = (n + MASK) >>> BITS;
      const end = Math.min(this.n, keep << BITS);
      for (let i = n; i < end; i++) this.set(i, this.fill);
      this.chunks.length = keep;
    }
    this.n = n;
  }
}
