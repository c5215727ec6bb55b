/**
 * The simple CSV format for third-party (or hand-made) measurements, one probe run per row:
 *
 *   time,provider,destination,target,sent,rtts
 *   2026-11-21T10:00:00Z,mem_a,198.51.100.0/24,198.51.100.7,5,12.1;12.4;*;12.0;13.2
 *
 * A header row names the columns (any order). `time` is ISO 8601 with a zone or Unix seconds;
 * `destination` may be empty (host prefix of `target`); `rtts` lists the replies' round-trip
 * times in ms separated by `;`, `*` marking a lost packet (lost = sent − replies either way);
 * an optional `provider` column may be replaced by the importer's `provider` option.
 * No quoting is needed: no field may contain a comma.
 */
import { parseIso } from '../lib/index.ts';
import { qualityErrors } from './errors.ts';
import type { ImportOptions, ImportResult } from './import-atlas.ts';
import { hostPrefix, validateMeasurement } from './measurement.ts';

const REQUIRED = ['time', 'target', 'sent', 'rtts'] as const;

export function parseQualityCsv(text: string, opts: ImportOptions): ImportResult {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headerAt < 0) throw qualityErrors.make('QUALITY_BAD_IMPORT', 'file: empty, expected a header row', { field: 'file' });
  const cols = lines[headerAt].split(',').map((c) => c.trim().toLowerCase());
  for (const r of REQUIRED) {
    if (!cols.includes(r)) throw qualityErrors.make('QUALITY_BAD_IMPORT', `header: column ${r} is missing`, { field: 'header' });
  }
  if (!cols.includes('provider') && !opts.provider) {
    throw qualityErrors.make('QUALITY_BAD_IMPORT', 'header: no provider column and no provider given', { field: 'header' });
  }
  const out: ImportResult = { measurements: [], skipped: [] };
  for (let li = headerAt + 1; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = `line ${li + 1}`;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== cols.length) {
      throw qualityErrors.make('QUALITY_BAD_IMPORT', `${f}: has ${cells.length} fields, the header ${cols.length}`, { field: f });
    }
    const get = (c: string): string => cells[cols.indexOf(c)] ?? '';
    const badCell = (c: string, msg: string): never => {
      throw qualityErrors.make('QUALITY_BAD_IMPORT', `${f}, ${c}: ${msg}`, { field: `${f}.${c}` });
    };
    const timeText = get('time');
    const at = /^\d+(\.\d+)?$/.test(timeText) ? Math.round(Number(timeText) * 1000) : parseIso(timeText);
    if (!Number.isFinite(at)) badCell('time', 'must be ISO 8601 with a zone or Unix seconds');
    const sent = Number(get('sent'));
    if (!Number.isInteger(sent) || sent < 1) badCell('sent', 'must be an integer ≥ 1');
    const rttsText = get('rtts');
    const rtts: number[] = [];
    if (rttsText !== '') {
      for (const x of rttsText.split(';')) {
        if (x === '*') continue;
        const v = Number(x);
        if (x === '' || !Number.isFinite(v) || v < 0) badCell('rtts', `${JSON.stringify(x)} is not a round-trip time in ms or *`);
        rtts.push(v);
      }
    }
    const target = get('target');
    const provider = (cols.includes('provider') ? get('provider') : '') || opts.provider;
    const destination = (cols.includes('destination') ? get('destination') : '') || opts.destination || hostPrefix(target);
    if (!destination) badCell('destination', 'empty, and target is not an address');
    out.measurements.push(
      validateMeasurement(
        {
          provider: provider as string,
          destination: destination as string,
          target,
          method: 'csv',
          at,
          sent,
          rtts,
          source: opts.source ?? 'csv',
          verified: opts.verified ?? true,
        },
        f,
      ),
    );
  }
  return out;
}
