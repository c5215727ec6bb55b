/**
 * Third-party measurements (B6): RIPE Atlas ping results, in the format of the Atlas results API
 * (https://atlas.ripe.net/docs/apis/result-format/ — "ping"): a JSON array of result objects or
 * one object per line. Fields used: `type` ("ping"), `dst_addr`, `prb_id`, `msm_id`,
 * `timestamp` (Unix seconds), `sent`, `rcvd`, `avg`, `result` (entries `{rtt}`, `{x: "*"}` for a
 * timeout, `{error}`; entries with `dup` are duplicates and are not counted as replies).
 * Results from firmware that sent no `result` list carry only `avg`: each of the `rcvd` replies
 * is then taken at `avg` (mean and loss exact, spread unknown).
 */
import { qualityErrors } from './errors.ts';
import { type Measurement, canonicalDestination, hostPrefix, validateMeasurement } from './measurement.ts';

export interface ImportOptions {
  /** The provider every result is filed under, unless `providerOf` names one. */
  provider?: string;
  /** Maps an Atlas probe id (or CSV row) to the provider whose network it sits in. */
  providerOf?: (probeId: number) => string | undefined;
  /** The destination prefix the results stand for; default the host prefix of `dst_addr`. */
  destination?: string;
  /** Accepted third party (true, the default) or a member's own upload (false). */
  verified?: boolean;
  /** Source label prefix; default `ripe-atlas` / `csv`. */
  source?: string;
}

export interface ImportResult {
  measurements: Measurement[];
  /** Records that were not ping results or had no provider: skipped with the reason, not fatal. */
  skipped: Array<{ index: number; reason: string }>;
}

function bad(field: string, msg: string): never {
  throw qualityErrors.make('QUALITY_BAD_IMPORT', `${field}: ${msg}`, { field });
}

/** Parses an Atlas ping result file (JSON array or JSON lines). Throws QUALITY_BAD_IMPORT on unreadable input. */
export function parseAtlasPing(text: string, opts: ImportOptions): ImportResult {
  let records: unknown[];
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      records = JSON.parse(trimmed) as unknown[];
    } catch (e) {
      return bad('file', `not valid JSON: ${(e as Error).message}`);
    }
  } else {
    records = trimmed
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => {
        try {
          return JSON.parse(l) as unknown;
        } catch (e) {
          return bad(`line ${i + 1}`, `not valid JSON: ${(e as Error).message}`);
        }
      });
  }
  if (opts.destination !== undefined && !canonicalDestination(opts.destination)) bad('destination', 'must be a CIDR prefix or any4/any6');
  const out: ImportResult = { measurements: [], skipped: [] };
  records.forEach((r, index) => {
    const f = `[${index}]`;
    if (typeof r !== 'object' || r === null) bad(f, 'must be a result object');
    const o = r as Record<string, unknown>;
    if (o.type !== 'ping') {
      out.skipped.push({ index, reason: `type ${JSON.stringify(o.type)} is not ping` });
      return;
    }
    const prb = o.prb_id;
    if (!Number.isInteger(prb)) bad(`${f}.prb_id`, 'must be an integer probe id');
    const provider = opts.providerOf?.(prb as number) ?? opts.provider;
    if (!provider) {
      out.skipped.push({ index, reason: `no provider for probe ${String(prb)}` });
      return;
    }
    const dst = o.dst_addr;
    if (typeof dst !== 'string' || !hostPrefix(dst)) {
      // A result whose name did not resolve has no dst_addr: nothing was measured.
      out.skipped.push({ index, reason: 'no dst_addr (name did not resolve?)' });
      return;
    }
    if (typeof o.timestamp !== 'number' || !(o.timestamp > 0)) bad(`${f}.timestamp`, 'must be Unix seconds');
    const sent = o.sent;
    if (!Number.isInteger(sent) || (sent as number) < 0) bad(`${f}.sent`, 'must be an integer ≥ 0');
    if (sent === 0) {
      out.skipped.push({ index, reason: 'sent 0 packets' });
      return;
    }
    let rtts: number[] = [];
    if (Array.isArray(o.result)) {
      o.result.forEach((e: unknown, i: number) => {
        if (typeof e !== 'object' || e === null) bad(`${f}.result[${i}]`, 'must be an object');
        const x = e as Record<string, unknown>;
        if (x.dup !== undefined) return; // a duplicate reply is not another packet
        if ('rtt' in x) {
          if (typeof x.rtt !== 'number' || !(x.rtt >= 0)) bad(`${f}.result[${i}].rtt`, 'must be a number of ms ≥ 0');
          rtts.push(x.rtt);
        }
        // {x:"*"} (timeout) and {error} count as lost: they are in `sent` but not in `rcvd`.
      });
    } else {
      const rcvd = o.rcvd;
      if (!Number.isInteger(rcvd) || (rcvd as number) > (sent as number)) bad(`${f}.rcvd`, 'must be an integer ≤ sent');
      if ((rcvd as number) > 0 && typeof o.avg !== 'number') bad(`${f}.avg`, 'must be given when rcvd > 0 and there is no result list');
      rtts = Array.from({ length: rcvd as number }, () => o.avg as number);
    }
    if (rtts.length > (sent as number)) rtts = rtts.slice(0, sent as number);
    const source = `${opts.source ?? 'ripe-atlas'}:${Number.isInteger(o.msm_id) ? `msm${String(o.msm_id)}:` : ''}prb${String(prb)}`;
    const m = validateMeasurement(
      {
        provider,
        destination: opts.destination ?? (hostPrefix(dst) as string),
        target: dst,
        method: 'atlas',
        at: Math.round((o.timestamp as number) * 1000),
        sent: sent as number,
        rtts,
        source,
        verified: opts.verified ?? true,
      },
      f,
    );
    out.measurements.push(m);
  });
  return out;
}
