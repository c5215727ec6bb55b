/**
 * The small statistics the quality database needs, kept separate so the sliding window and the
 * naive reference in the benchmark use the very same formulas.
 */

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion (Wilson 1927): unlike the normal approximation
 * it stays inside [0, 1] and is sensible for 0 or all losses in few packets, which is exactly the
 * case of a healthy path probed a few dozen times.
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): { low: number; high: number } {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Median of an ascending array (mean of the two middle values for an even count). */
export function medianSorted(a: ArrayLike<number>): number {
  const n = a.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
}

/** Nearest-rank percentile (q in 0..1) of an ascending array: the smallest value with at least q of the samples at or below it. */
export function percentileSorted(a: ArrayLike<number>, q: number): number {
  const n = a.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  return a[Math.min(n, rank) - 1];
}

/**
 * One step of the RFC 3550 §6.4.1 interarrival jitter estimator, J += (|D| − J)/16, where D is
 * the difference of two consecutive transit times. For round trips measured by the prober itself
 * D is the difference of consecutive RTTs: the clock offset that RFC 3550 cancels out is zero.
 */
export function jitterStep(j: number, previousRtt: number, rtt: number): number {
  return j + (Math.abs(rtt - previousRtt) - j) / 16;
}

/** Index of the first element ≥ x among the first `n` of an ascending array. */
export function lowerBound(a: ArrayLike<number>, x: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
