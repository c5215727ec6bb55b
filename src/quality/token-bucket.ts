/**
 * A token bucket on the injected clock: `ratePerSec` tokens refill continuously up to `burst`.
 * Pure arithmetic on timestamps, so scheduler tests drive it with a ManualClock and never sleep.
 */
// Refills add fractions (0.1 + 0.1 + … ≠ 1 in binary floating point); a token that is there up
// to rounding is there.
const EPS = 1e-9;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
      this.last = now;
    }
  }

  /** True (and one token spent) when a token is available at `now`. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1 - EPS) {
      this.tokens = Math.max(0, this.tokens - 1);
      return true;
    }
    return false;
  }

  has(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1 - EPS;
  }

  /** Milliseconds until a token is available (0 when one is). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1 - EPS) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSec);
  }

  /** True when the bucket is full again, so it can be forgotten without changing behaviour. */
  idle(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst - EPS;
  }
}
