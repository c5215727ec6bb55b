/**
 * Spreads a flow's bytes over the bins its [start, end] interval covers, in proportion to the
 * time spent in each, with cumulative rounding so the integer parts add up exactly to the flow's
 * total (a flow reports bytes when it is exported; billing 5-minute bins need them where they
 * were sent — see INTEROP.md, billing conventions).
 */
export function spreadOverBins(
  startMs: number,
  endMs: number,
  total: number,
  binMs: number,
  visit: (binStart: number, amount: number) => void,
): void {
  if (endMs <= startMs) {
    visit(Math.floor(startMs / binMs) * binMs, total);
    return;
  }
  const dur = endMs - startMs;
  let bin = Math.floor(startMs / binMs) * binMs;
  let given = 0;
  while (bin < endMs) {
    const upTo = Math.min(bin + binMs, endMs);
    const cum = Math.round((total * (upTo - startMs)) / dur);
    if (cum > given) visit(bin, cum - given);
    given = cum;
    bin += binMs;
  }
}
