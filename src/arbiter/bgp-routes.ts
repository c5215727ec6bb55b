/**
 * Mapping between the BGP library's route model (src/bgp types: communities as 32-bit numbers,
 * extended communities as bytes) and the registry's (pairs, hex strings).
 *
 * What a route server drops on the way in (RFC 7947 §2.2, RFC 5065 §5.3): confederation
 * segments (never valid from an external peer), the IPv6 link-local next hop (it names an
 * interface of the member's router, meaningless once the route server passes the route on — the
 * global next hop is on the shared LAN), ORIGINATOR_ID/CLUSTER_LIST (iBGP reflection only).
 */
import type { PathAttributes, Route } from '../bgp/types.ts';
import type { AsPathSegment, RouteAttributes } from '../registry/route-model.ts';
import type { ExportedRoute } from './export-policy.ts';

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The speaker's attribute sets are frozen and shared (interned): the AS path is reused as it is
 * when it holds no confederation segments, empty lists share one frozen array.
 */
export function fromBgpAttributes(a: PathAttributes): RouteAttributes {
  const plain = a.asPath.every((s) => s.type === 'sequence' || s.type === 'set');
  const asPath = (plain ? a.asPath : a.asPath.filter((s) => s.type === 'sequence' || s.type === 'set')) as readonly AsPathSegment[];
  return {
    origin: a.origin,
    asPath,
    nextHop: a.nextHop,
    ...(a.med === undefined ? {} : { med: a.med }),
    ...(a.localPref === undefined ? {} : { localPref: a.localPref }),
    communities: a.communities?.length ? a.communities.map((c) => [c >>> 16, c & 0xffff] as const) : NONE,
    largeCommunities: a.largeCommunities?.length ? a.largeCommunities : NONE,
    ...(a.extCommunities?.length ? { extendedCommunities: a.extCommunities.map(hex) } : {}),
    ...(a.atomicAggregate ? { atomicAggregate: true } : {}),
    ...(a.aggregator ? { aggregator: a.aggregator } : {}),
  };
}

export function toBgpAttributes(a: RouteAttributes): PathAttributes {
  return {
    origin: a.origin,
    asPath: a.asPath.map((s) => ({ type: s.type, asns: [...s.asns] })),
    nextHop: a.nextHop,
    ...(a.med === undefined ? {} : { med: a.med }),
    ...(a.localPref === undefined ? {} : { localPref: a.localPref }),
    ...(a.communities.length ? { communities: a.communities.map(([h, l]) => ((h << 16) | l) >>> 0) } : {}),
    ...(a.largeCommunities.length
      ? { largeCommunities: a.largeCommunities.map((c) => [c[0], c[1], c[2]] as [number, number, number]) }
      : {}),
    ...(a.extendedCommunities?.length
      ? { extCommunities: a.extendedCommunities.map((h) => new Uint8Array(Buffer.from(h, 'hex'))) }
      : {}),
    ...(a.atomicAggregate ? { atomicAggregate: true } : {}),
    ...(a.aggregator ? { aggregator: { ...a.aggregator } } : {}),
  };
}

/** For the registry's lazy reads: the speaker's interned set → the registry's model. */
export function convertBgp(a: object): RouteAttributes {
  return fromBgpAttributes(a as PathAttributes);
}

export function exportToBgp(r: ExportedRoute): Route {
  return { prefix: r.prefix, attrs: toBgpAttributes(r.attrs) };
}
