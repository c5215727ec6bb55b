/**
 * The one shape every benchmark reports in, and the one place that writes it:
 * `bench/results/NAME.json` = `{"figures":[{name,value,unit,reference,referenceValue,goal,met}], ...extra}`.
 * A figure without a reference or a goal (a reported-only measurement) carries null there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  reference: string | null;
  referenceValue: number | null;
  goal: string | null;
  met: boolean | null;
}

/** A figure measured against a reference, with a goal: the common case. */
export interface ComparedFigure extends Figure {
  reference: string;
  referenceValue: number;
  goal: string;
  met: boolean;
}

const RESULTS = resolve(import.meta.dirname, 'results');

/** The figures a previous run wrote for `name` (empty when there was none). */
export function readFigures<F extends Figure = Figure>(name: string): F[] {
  const file = join(RESULTS, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { figures: F[] }).figures : [];
}

/** Writes bench/results/NAME.json (whatever the working directory) and says so. */
export function writeFigures(name: string, figures: readonly Figure[], extra: Record<string, unknown> = {}): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify({ figures, ...extra }, null, 2) + '\n');
  console.log(`wrote bench/results/${name}.json`);
}
