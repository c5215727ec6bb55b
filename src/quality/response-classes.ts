/**
 * Response-time classes (SPEC A4). Classes are ordered by an upper latency boundary, the last
 * one open-ended. A path is first placed by plain boundaries; after that it moves only when its
 * latency is past the boundary by a margin (max of `marginMs` and `marginRatio` × boundary) for
 * `consecutive` evaluations in a row, so a path sitting at a boundary does not flap.
 * The evaluation is a pure function (state, latency) → state, recording the reason of each move.
 */
import { qualityErrors } from './errors.ts';

export interface ResponseClass {
  name: string;
  /** Upper bound in ms (inclusive); omit (or null) for the last, open-ended class. */
  maxLatencyMs?: number | null;
}

export interface ClassConfig {
  classes: ResponseClass[];
  marginMs: number;
  marginRatio: number;
  consecutive: number;
  /** Which statistic decides: the window's mean, median or p95 latency. */
  statistic: 'mean' | 'median' | 'p95';
  /** No class before the window holds this many replies. */
  minSamples: number;
}

export const defaultClassConfig: ClassConfig = {
  classes: [
    { name: 'premium', maxLatencyMs: 20 },
    { name: 'standard', maxLatencyMs: 60 },
    { name: 'economy', maxLatencyMs: 150 },
    { name: 'best-effort', maxLatencyMs: null },
  ],
  marginMs: 1,
  marginRatio: 0.1,
  consecutive: 3,
  statistic: 'median',
  minSamples: 5,
};

export interface ClassState {
  /** Index into `classes`, or -1 before the first assignment. */
  current: number;
  /** The class a move is pending towards, and for how many evaluations it has held. */
  pending: number;
  streak: number;
  /** Why the class last changed. */
  reason: string;
  changedAt: number | null;
}

export const initialClassState: ClassState = { current: -1, pending: -1, streak: 0, reason: 'no samples yet', changedAt: null };

export function validateClassConfig(c: ClassConfig): ClassConfig {
  const bad = (field: string, msg: string): never => {
    throw qualityErrors.make('QUALITY_BAD_CONFIG', `quality.classes.${field}: ${msg}`, { field: `quality.classes.${field}` });
  };
  if (!Array.isArray(c.classes) || c.classes.length === 0) bad('classes', 'needs at least one class');
  const names = new Set<string>();
  let prev = -Infinity;
  c.classes.forEach((k, i) => {
    if (!k.name || names.has(k.name)) bad(`classes[${i}].name`, 'must be a unique non-empty name');
    names.add(k.name);
    const last = i === c.classes.length - 1;
    const max = k.maxLatencyMs ?? null;
    if (last && max !== null) bad(`classes[${i}].maxLatencyMs`, 'the last class is open-ended: omit its boundary');
    if (!last && (max === null || !(max > prev))) bad(`classes[${i}].maxLatencyMs`, 'boundaries must be numbers increasing from class to class');
    if (max !== null) prev = max;
  });
  if (!(c.marginMs >= 0)) bad('marginMs', 'must be ≥ 0');
  if (!(c.marginRatio >= 0 && c.marginRatio < 1)) bad('marginRatio', 'must be in [0, 1)');
  if (!Number.isInteger(c.consecutive) || c.consecutive < 1) bad('consecutive', 'must be an integer ≥ 1');
  if (!['mean', 'median', 'p95'].includes(c.statistic)) bad('statistic', 'must be mean, median or p95');
  if (!Number.isInteger(c.minSamples) || c.minSamples < 1) bad('minSamples', 'must be an integer ≥ 1');
  return c;
}

/** The class by plain boundaries. */
export function classOf(c: ClassConfig, latencyMs: number): number {
  for (let i = 0; i < c.classes.length - 1; i++) if (latencyMs <= (c.classes[i].maxLatencyMs as number)) return i;
  return c.classes.length - 1;
}

function margin(c: ClassConfig, boundary: number): number {
  return Math.max(c.marginMs, c.marginRatio * boundary);
}

/**
 * The class the latency clearly belongs to as seen from `current`: a worse class only when the
 * latency exceeds the current class's boundary by the margin; a better class only when it is
 * below that class's boundary by the margin. Otherwise `current`.
 */
export function clearClass(c: ClassConfig, current: number, latencyMs: number): number {
  const raw = classOf(c, latencyMs);
  if (raw > current) {
    const bound = c.classes[current].maxLatencyMs as number;
    if (latencyMs <= bound + margin(c, bound)) return current;
    // Past the margin of the current boundary: go to the worst class whose lower boundary is cleared too.
    let t = current + 1;
    while (t < raw) {
      const b = c.classes[t].maxLatencyMs as number;
      if (latencyMs > b + margin(c, b)) t++;
      else break;
    }
    return t;
  }
  if (raw < current) {
    let t = current;
    for (let i = raw; i < current; i++) {
      const b = c.classes[i].maxLatencyMs as number;
      if (latencyMs < b - margin(c, b)) {
        t = i;
        break;
      }
    }
    return t;
  }
  return current;
}

/** One evaluation: pure, records the reason of a change. `latencyMs` undefined = not enough samples (state kept). */
export function evaluateClass(c: ClassConfig, s: ClassState, latencyMs: number | undefined, now: number): ClassState {
  if (latencyMs === undefined) return s;
  if (s.current < 0) {
    const k = classOf(c, latencyMs);
    return { current: k, pending: -1, streak: 0, reason: `first assignment at ${fmt(latencyMs)} ms`, changedAt: now };
  }
  const target = clearClass(c, s.current, latencyMs);
  if (target === s.current) return s.pending === -1 ? s : { ...s, pending: -1, streak: 0 };
  const streak = s.pending !== -1 && Math.sign(target - s.current) === Math.sign(s.pending - s.current) ? s.streak + 1 : 1;
  if (streak >= c.consecutive) {
    const from = c.classes[s.current].name;
    return {
      current: target,
      pending: -1,
      streak: 0,
      reason: `${from} → ${c.classes[target].name}: ${fmt(latencyMs)} ms past the boundary margin for ${streak} evaluations`,
      changedAt: now,
    };
  }
  return { ...s, pending: target, streak };
}

function fmt(x: number): string {
  return x.toFixed(3).replace(/\.?0+$/, '');
}
