/**
 * Import filtering as IXP route servers do it (RFC 7948 §4.6–4.8 practice, the rules of the
 * common route-server filter guides): every rule is evaluated and every failure recorded, so a
 * member sees all that is wrong with a route at once, each as a stable code.
 *
 * Max-prefix is stateful (it counts a session's accepted routes) and lives in the registry;
 * its code is listed here with the others so the table of reasons is complete.
 */
import { parsePrefix } from '../lib/index.ts';
import type { Prefix } from '../lib/index.ts';
import { createBogonMatcher, type BogonMatcher, type BogonOptions } from './route-bogons.ts';
import type { PrefixList } from './route-irr.ts';
import type { AnnouncedRoute, IrrState, MemberRouting, RpkiState } from './route-model.ts';
import { asPathLength, firstAsn, originAsn } from './route-model.ts';
import type { RoaSet } from './route-rpki.ts';

/** Stable reject codes, each with the rule it stands for (shown to the member). */
export const REJECT_REASONS = {
  PREFIX_INVALID: 'the NLRI is not a valid prefix',
  NEXT_HOP_NOT_MEMBER_ROUTER: "the next hop is not the announcing member's own router address (RFC 7948 §4.8)",
  AS_PATH_EMPTY: 'the AS path is empty or does not start with an AS_SEQUENCE',
  FIRST_AS_NOT_MEMBER: "the first AS of the path is not one of the member's ASNs (RFC 7947 §2.2.2)",
  AS_PATH_TOO_LONG: 'the AS path is longer than the configured limit',
  AS_SET_IN_PATH: 'the AS path contains an AS_SET (deprecated by RFC 9774)',
  PREFIX_TOO_SHORT: 'the prefix is less specific than the configured minimum length',
  PREFIX_TOO_LONG: 'the prefix is more specific than the configured maximum length',
  BOGON_PREFIX: 'the prefix is a bogon (RFC 6890 special-purpose, default route, or configured)',
  BOGON_ASN: 'the AS path contains a bogon ASN (RFC 7607, 6793, 5398, 6996, 7300, IANA reserved)',
  RPKI_INVALID: 'RPKI origin validation says invalid (RFC 6811)',
  IRR_NOT_LISTED: "the prefix is not in the member's IRR-derived prefix list",
  MAX_PREFIX_EXCEEDED: "the session's max-prefix limit was reached; later routes are rejected",
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export interface LengthBounds {
  readonly min: number;
  readonly max: number;
}

export interface ImportFilterConfig {
  /**
   * `member`: the next hop must be one of the member's router addresses (any of its ports);
   * `peer`: it must be the very router the session runs to.
   */
  readonly nextHop: 'member' | 'peer';
  readonly prefixLength: { readonly ipv4: LengthBounds; readonly ipv6: LengthBounds };
  readonly maxAsPathLength: number;
  readonly rejectAsSet: boolean;
  readonly bogons: BogonOptions;
  /** With a ROA set loaded: reject RPKI-invalid routes (otherwise only mark them). */
  readonly rpkiRejectInvalid: boolean;
  /** With a prefix list loaded for the member: reject routes it does not list (otherwise only mark). */
  readonly irrRejectUnlisted: boolean;
  /** Default per-session max-prefix limits (a member's policy may override them). */
  readonly maxPrefixes: { readonly ipv4: number; readonly ipv6: number };
}

export const DEFAULT_IMPORT_FILTER: ImportFilterConfig = {
  nextHop: 'member',
  prefixLength: { ipv4: { min: 8, max: 24 }, ipv6: { min: 16, max: 48 } },
  maxAsPathLength: 64,
  rejectAsSet: true,
  bogons: {},
  rpkiRejectInvalid: true,
  irrRejectUnlisted: true,
  maxPrefixes: { ipv4: 10_000, ipv6: 5_000 },
};

/** Merges a partial config over the defaults (one level deep for the nested groups). */
export function importFilterConfig(partial: Partial<ImportFilterConfig> = {}): ImportFilterConfig {
  const d = DEFAULT_IMPORT_FILTER;
  return {
    ...d,
    ...partial,
    prefixLength: {
      ipv4: { ...d.prefixLength.ipv4, ...partial.prefixLength?.ipv4 },
      ipv6: { ...d.prefixLength.ipv6, ...partial.prefixLength?.ipv6 },
    },
    bogons: { ...d.bogons, ...partial.bogons },
    maxPrefixes: { ...d.maxPrefixes, ...partial.maxPrefixes },
  };
}

export interface FilterContext {
  readonly member: MemberRouting;
  readonly roas?: RoaSet;
  /** The member's IRR-derived prefix list, when one is loaded. */
  readonly prefixList?: PrefixList;
}

export interface FilterVerdict {
  readonly reasons: RejectReason[];
  readonly rpki: RpkiState;
  readonly irr: IrrState;
}

/**
 * What the prefix-independent rules read of an attribute set. Both the registry's
 * `RouteAttributes` and the BGP speaker's interned path attributes have this shape; segments of
 * other types (confederation, RFC 5065) are ignored — never valid from an external peer.
 */
export interface FilterAttrs {
  readonly nextHop: string;
  readonly asPath: ReadonlyArray<{ readonly type: string; readonly asns: readonly number[] }>;
}

/** Reject reasons as bits of a verdict word, in the order they are reported. */
export const REASON_ORDER: readonly RejectReason[] = [
  'NEXT_HOP_NOT_MEMBER_ROUTER',
  'AS_PATH_EMPTY',
  'FIRST_AS_NOT_MEMBER',
  'AS_PATH_TOO_LONG',
  'AS_SET_IN_PATH',
  'PREFIX_TOO_SHORT',
  'PREFIX_TOO_LONG',
  'BOGON_PREFIX',
  'BOGON_ASN',
  'RPKI_INVALID',
  'IRR_NOT_LISTED',
  'MAX_PREFIX_EXCEEDED',
  'PREFIX_INVALID',
];
export const REASON_BIT = Object.fromEntries(REASON_ORDER.map((r, i) => [r, 1 << i])) as Record<RejectReason, number>;
/** Bits 0..15 reasons; 16..17 RPKI state; 18..19 IRR state. */
export const REASONS_MASK = 0xffff;
const RPKI_CODES: readonly RpkiState[] = ['unchecked', 'valid', 'invalid', 'not-found'];
const IRR_CODES: readonly IrrState[] = ['unchecked', 'match', 'no-match'];

export function verdictReasons(v: number): RejectReason[] {
  const out: RejectReason[] = [];
  for (let i = 0; i < REASON_ORDER.length; i++) if (v & (1 << i)) out.push(REASON_ORDER[i]);
  return out;
}
export const verdictRpki = (v: number): RpkiState => RPKI_CODES[(v >>> 16) & 3];
export const verdictIrr = (v: number): IrrState => IRR_CODES[(v >>> 18) & 3];

export interface ImportFilter {
  readonly config: ImportFilterConfig;
  check(route: AnnouncedRoute, ctx: FilterContext): FilterVerdict;
  /** The rules that depend only on the attribute set and the session (one evaluation per UPDATE). */
  checkAttrs(attrs: FilterAttrs, router: string, member: MemberRouting): number;
  /** The rules that depend on the prefix (length, bogon, RPKI with the path's origin, IRR); a verdict word. */
  checkPrefix(p: Prefix, origin: number | undefined, ctx: FilterContext): number;
}

function pathSegments(path: FilterAttrs['asPath']): FilterAttrs['asPath'] {
  for (const s of path) if (s.type !== 'sequence' && s.type !== 'set') return path.filter((x) => x.type === 'sequence' || x.type === 'set');
  return path;
}

/** RFC 6811 §2 origin of a path (confederation segments ignored). */
export function pathOrigin(attrs: FilterAttrs): number | undefined {
  return originAsn(pathSegments(attrs.asPath) as AnnouncedRoute['attrs']['asPath']);
}

export function createImportFilter(partial: Partial<ImportFilterConfig> = {}): ImportFilter {
  const config = importFilterConfig(partial);
  const bogons: BogonMatcher = createBogonMatcher(config.bogons);
  const B = REASON_BIT;
  const filter: ImportFilter = {
    config,
    checkAttrs(attrs, router, member) {
      let v = 0;
      const nhOk = config.nextHop === 'peer' ? attrs.nextHop === router : member.routers.includes(attrs.nextHop);
      if (!nhOk) v |= B.NEXT_HOP_NOT_MEMBER_ROUTER;
      const path = pathSegments(attrs.asPath) as AnnouncedRoute['attrs']['asPath'];
      const first = firstAsn(path);
      if (first === undefined) v |= B.AS_PATH_EMPTY;
      else if (!member.asns.includes(first)) v |= B.FIRST_AS_NOT_MEMBER;
      if (asPathLength(path) > config.maxAsPathLength) v |= B.AS_PATH_TOO_LONG;
      if (config.rejectAsSet && path.some((s) => s.type === 'set')) v |= B.AS_SET_IN_PATH;
      if (path.some((s) => s.asns.some((a) => bogons.asn(a) !== undefined))) v |= B.BOGON_ASN;
      return v;
    },
    checkPrefix(p, origin, ctx) {
      let v = 0;
      const bounds = p.family === 4 ? config.prefixLength.ipv4 : config.prefixLength.ipv6;
      if (p.len < bounds.min) v |= B.PREFIX_TOO_SHORT;
      if (p.len > bounds.max) v |= B.PREFIX_TOO_LONG;
      if (bogons.prefix(p)) v |= B.BOGON_PREFIX;
      if (ctx.roas) {
        const rpki = ctx.roas.validate(p, origin);
        v |= RPKI_CODES.indexOf(rpki) << 16;
        if (rpki === 'invalid' && config.rpkiRejectInvalid) v |= B.RPKI_INVALID;
      }
      if (ctx.prefixList) {
        const match = ctx.prefixList.matches(p);
        v |= (match ? 1 : 2) << 18;
        if (!match && config.irrRejectUnlisted) v |= B.IRR_NOT_LISTED;
      }
      return v;
    },
    check(route, ctx) {
      const parsed = parsePrefix(route.prefix);
      if (!parsed.ok) return { reasons: ['PREFIX_INVALID'], rpki: 'unchecked', irr: 'unchecked' };
      const v = filter.checkAttrs(route.attrs, route.router, ctx.member) | filter.checkPrefix(parsed.prefix, pathOrigin(route.attrs), ctx);
      return { reasons: verdictReasons(v), rpki: verdictRpki(v), irr: verdictIrr(v) };
    },
  };
  return filter;
}
