/**
 * Insertion into and removal from arrays in place, for the books' sorted price levels (and the
 * seller classes' and bid indexes'), which are edited near their best end all the time.
 * Array.prototype.splice allocates its result array on every call and goes through the generic
 * builtin; a plain loop over a few dozen entries does neither (alternated A/B runs of this change
 * together with filling column chunks natively: bench (a) +7% orders/s, bench (b) +10%).
 */

/** `a.splice(i, 0, x)` without splice's result array. */
export function insertAt<T>(a: T[], i: number, x: T): void {
  let k = a.length;
  a.push(x);
  for (; k > i; k--) a[k] = a[k - 1];
  a[i] = x;
}

/** `a.splice(i, 1)` without splice's result array. */
export function removeAt<T>(a: T[], i: number): void {
  const n = a.length - 1;
  for (let k = i; k < n; k++) a[k] = a[k + 1];
  a.length = n;
}
