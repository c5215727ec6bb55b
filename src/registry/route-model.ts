/**
 * The trade route registry's vocabulary (SPEC B1, B7): a route as a member announced it to the
 * route server, with the BGP path attributes the route server cares about, independent of the
 * wire codec (src/bgp maps its decoded UPDATEs onto this shape in src/arbiter).
 *
 * Communities are numbers, not text: a standard community is `[asn, value]` (RFC 1997), a large
 * community `[global, local1, local2]` (RFC 8092). Prefixes and next hops are canonical text
 * (lib's formatPrefix / RFC 5952) so that equality is string equality.
 */
import type { Family } from '../lib/index.ts';

export type Origin = 'igp' | 'egp' | 'incomplete';

export interface AsPathSegment {
  readonly type: 'sequence' | 'set';
  readonly asns: readonly number[];
}

export type StandardCommunity = readonly [number, number];
export type LargeCommunity = readonly [number, number, number];

export interface RouteAttributes {
  readonly origin: Origin;
  readonly asPath: readonly AsPathSegment[];
  /** Canonical IPv4/IPv6 text; for IPv6 the global next hop (RFC 4760 §3). */
  readonly nextHop: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly communities: readonly StandardCommunity[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** Extended communities (RFC 4360) as 8-byte hex strings, passed through untouched. */
  readonly extendedCommunities?: readonly string[];
  readonly atomicAggregate?: boolean;
  readonly aggregator?: { readonly asn: number; readonly address: string };
}

/** One route as received from one member router (session). */
export interface AnnouncedRoute {
  readonly memberId: string;
  /** The session's peer address (the member router on the exchange LAN). */
  readonly router: string;
  /** Canonical CIDR. */
  readonly prefix: string;
  readonly family: Family;
  readonly attrs: RouteAttributes;
  /** Epoch ms when received. */
  readonly receivedAt: number;
}

/** RFC 6811 §2 validation states; `unchecked` when no ROA set is loaded. */
export type RpkiState = 'valid' | 'invalid' | 'not-found' | 'unchecked';
/** IRR prefix-list check: `unchecked` when no list is loaded for the member. */
export type IrrState = 'match' | 'no-match' | 'unchecked';

export interface StoredRoute extends AnnouncedRoute {
  readonly status: 'accepted' | 'rejected';
  /** Stable reject codes (see route-filter.ts REJECT_REASONS); empty when accepted. */
  readonly reasons: readonly string[];
  readonly rpki: RpkiState;
  readonly irr: IrrState;
}

/** The routing policy a member registers (SPEC B1); defaults in DEFAULT_ROUTING_POLICY. */
export interface RoutingPolicy {
  /**
   * Tag routes the route server exports to this member with NO_EXPORT (RFC 1997), so a traded
   * route stays between buyer and seller and is not resold onwards by accident.
   */
  readonly noExport: boolean;
  /** As a seller, receive the buyers' registered prefixes (so it can accept and route their traffic). */
  readonly receiveBuyerPrefixes: boolean;
  /** Per-session max-prefix limits; undefined means the route server's configured default. */
  readonly maxPrefixes?: { readonly ipv4: number; readonly ipv6: number };
}

export const DEFAULT_ROUTING_POLICY: RoutingPolicy = { noExport: true, receiveBuyerPrefixes: true };

export interface RegisteredPrefix {
  readonly memberId: string;
  readonly prefix: string;
  readonly family: Family;
  readonly description?: string;
  readonly registeredAt: number;
}

/** What the route server needs to know about a member: its ASNs and its routers' addresses. */
export interface MemberRouting {
  readonly memberId: string;
  readonly asns: readonly number[];
  /** Canonical addresses of the member's routers on the exchange LAN (from its ports). */
  readonly routers: readonly string[];
}

export function originAsn(path: readonly AsPathSegment[]): number | undefined {
  // RFC 6811 §2: the origin is the rightmost AS of a final AS_SEQUENCE; a final AS_SET means
  // the origin is "NONE" and cannot match any ROA.
  const last = path[path.length - 1];
  if (!last || last.type !== 'sequence' || last.asns.length === 0) return undefined;
  return last.asns[last.asns.length - 1];
}

export function firstAsn(path: readonly AsPathSegment[]): number | undefined {
  const first = path[0];
  if (!first || first.type !== 'sequence' || first.asns.length === 0) return undefined;
  return first.asns[0];
}

/** AS-path length as BGP best-path counts it (RFC 4271 §9.1.2.2: an AS_SET counts as one). */
export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) n += s.type === 'set' ? 1 : s.asns.length;
  return n;
}

export function formatAsPath(path: readonly AsPathSegment[]): string {
  return path.map((s) => (s.type === 'set' ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' ');
}
