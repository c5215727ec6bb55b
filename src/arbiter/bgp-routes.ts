/**
 * Mapping between the BGP library's route model (src/bgp types: communities as 32-bit numbers,
 * extended communities as bytes) and the registry's (pairs, hex strings).
 *
 * What a route server drops on the way in (RFC 7947 §2.2, RFC 5065 §5.3): confederation
 * segments (never valid from an external peer), the IPv6 link-local next hop (it names an
 * interface of the member's router, meaningless once the route server passes the route on — the
 * global next hop is on the shared LAN), ORIGINATOR_ID/CLUSTER_LIST (iBGP reflection only).
 */
import type { Family } from '../lib/index.ts';
import type { PathAttributes, Route } from '../bgp/types.ts';
import type { AnnouncedRoute, AsPathSegment, RouteAttributes } from '../registry/route-model.ts';
import type { ExportedRoute } from './export-policy.ts';

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromBgpAttributes(a: PathAttributes): RouteAttributes {
  const asPath: AsPathSegment[] = [];
  for (const s of a.asPath) {
    if (s.type === 'sequence' || s.type === 'set') asPath.push({ type: s.type, asns: [...s.asns] });
  }
  return {
    origin: a.origin,
    asPath,
    nextHop: a.nextHop,
    ...(a.med === undefined ? {} : { med: a.med }),
    ...(a.localPref === undefined ? {} : { localPref: a.localPref }),
    communities: (a.communities ?? []).map((c) => [c >>> 16, c & 0xffff] as const),
    largeCommunities: (a.largeCommunities ?? []).map((c) => [c[0], c[1], c[2]] as const),
    ...(a.extCommunities?.length ? { extendedCommunities: a.extCommunities.map(hex) } : {}),
    ...(a.atomicAggregate ? { atomicAggregate: true } : {}),
    ...(a.aggregator ? { aggregator: { ...a.aggregator } } : {}),
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

// The speaker interns attribute sets (routes of one UPDATE share one object): convert each set
// once, so the registry receives shared objects too.
const converted = new WeakMap<PathAttributes, RouteAttributes>();

export function announcedFromBgp(memberId: string, router: string, r: Route, now: number): AnnouncedRoute {
  const family: Family = r.prefix.includes(':') ? 6 : 4;
  let attrs = converted.get(r.attrs);
  if (!attrs) converted.set(r.attrs, (attrs = fromBgpAttributes(r.attrs)));
  return { memberId, router, prefix: r.prefix, family, attrs, receivedAt: now };
}

export function exportToBgp(r: ExportedRoute): Route {
  return { prefix: r.prefix, attrs: toBgpAttributes(r.attrs) };
}
