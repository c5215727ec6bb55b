/**
 * RPKI route origin validation (RFC 6811) against a set of validated ROA payloads loaded from the
 * JSON that rpki-client (`-j`) and Routinator (`--format json`) write:
 *   {"roas":[{"asn":"AS65000" | 65000, "prefix":"192.0.2.0/24", "maxLength":24, "ta":"…"}, …]}
 * Both tools use this shape; rpki-client writes the ASN as a number, Routinator as "AS…" text.
 *
 * RFC 6811 §2: a route is `not-found` when no ROA covers its prefix, `valid` when a covering ROA
 * has its origin AS (not AS0) and a maxLength ≥ its length, `invalid` otherwise. A route whose
 * path ends in an AS_SET has origin NONE and matches nothing.
 */
import { PrefixTrie, formatPrefix, parsePrefix } from '../lib/index.ts';
import type { Prefix } from '../lib/index.ts';
import { routeErrors } from './route-errors.ts';
import type { RpkiState } from './route-model.ts';

export interface Roa {
  readonly asn: number;
  readonly prefix: string;
  readonly maxLength: number;
}

export interface RoaSet {
  readonly size: number;
  validate(p: Prefix, origin: number | undefined): Exclude<RpkiState, 'unchecked'>;
  /** ROAs covering `p` (for the looking glass: why a route was invalid). */
  covering(p: Prefix): Roa[];
}

export function parseAsn(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(?:AS)?(0|[1-9]\d{0,9})$/i.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 0xffffffff ? n : undefined;
}

/** Parses rpki-client / Routinator JSON; a malformed entry fails the whole load (nothing half-loaded). */
export function parseRoaJson(text: string): Roa[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw routeErrors.make('ROUTES_ROA_FILE_INVALID', `ROA file is not JSON: ${(e as Error).message}`, { field: 'roas' });
  }
  const roas = (doc as { roas?: unknown } | null)?.roas;
  if (!Array.isArray(roas)) {
    throw routeErrors.make('ROUTES_ROA_FILE_INVALID', 'ROA file must be an object with a "roas" array', { field: 'roas' });
  }
  return roas.map((r: unknown, i): Roa => {
    const o = r as { asn?: unknown; prefix?: unknown; maxLength?: unknown } | null;
    const bad = (field: string, rule: string) =>
      routeErrors.make('ROUTES_ROA_FILE_INVALID', `roas[${i}].${field} ${rule}`, { field: `roas[${i}].${field}` });
    const asn = parseAsn(o?.asn);
    if (asn === undefined) throw bad('asn', 'must be an ASN (number or "AS<number>")');
    const pp = typeof o?.prefix === 'string' ? parsePrefix(o.prefix) : undefined;
    if (!pp?.ok) throw bad('prefix', `must be a CIDR prefix${pp && !pp.ok ? `: ${pp.reason}` : ''}`);
    const max = pp.prefix.family === 4 ? 32 : 128;
    const maxLength = o?.maxLength === undefined ? pp.prefix.len : o.maxLength;
    if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < pp.prefix.len || maxLength > max) {
      throw bad('maxLength', `must be an integer from the prefix length to ${max}`);
    }
    return { asn, prefix: formatPrefix(pp.prefix), maxLength };
  });
}

export function createRoaSet(roas: readonly Roa[]): RoaSet {
  const trie = new PrefixTrie<Roa[]>();
  for (const r of roas) {
    const p = parsePrefix(r.prefix);
    if (!p.ok) continue;
    trie.upsert(p.prefix, () => []).push(r);
  }
  const covering = (p: Prefix) => trie.covering(p).flatMap((c) => c.value);
  return {
    size: roas.length,
    covering,
    validate(p, origin) {
      const cands = covering(p);
      if (cands.length === 0) return 'not-found';
      for (const r of cands) {
        if (origin !== undefined && r.asn !== 0 && r.asn === origin && p.len <= r.maxLength) return 'valid';
      }
      return 'invalid';
    },
  };
}
