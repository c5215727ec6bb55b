/** Builders shared by the arbiter's table tests. */
import { ManualClock } from '../../src/lib/index.ts';
import { createImportFilter, type ImportFilterConfig } from '../../src/registry/route-filter.ts';
import type { AnnouncedRoute, AsPathSegment, RouteAttributes } from '../../src/registry/route-model.ts';
import { RouteRegistry } from '../../src/registry/route-registry.ts';

export const LAB_FILTER: Partial<ImportFilterConfig> = {
  bogons: { allowDocumentationPrefixes: true, allowPrivateAsns: true },
};

export function seq(...asns: number[]): AsPathSegment[] {
  return [{ type: 'sequence', asns }];
}

export function attrs(over: Partial<RouteAttributes> = {}): RouteAttributes {
  return { origin: 'igp', asPath: seq(65001), nextHop: '192.0.2.11', communities: [], largeCommunities: [], ...over };
}

export function route(memberId: string, router: string, prefix: string, a: Partial<RouteAttributes> = {}): AnnouncedRoute {
  return { memberId, router, prefix, family: prefix.includes(':') ? 6 : 4, attrs: attrs(a), receivedAt: 0 };
}

/** A registry with three lab members: m1 (seller, AS65001), m2 (buyer, AS65002), m3 (AS65003). */
export function labRegistry(filter: Partial<ImportFilterConfig> = LAB_FILTER): { reg: RouteRegistry; clock: ManualClock } {
  const clock = new ManualClock('2026-12-01T00:00:00Z');
  const reg = new RouteRegistry({ clock, filter: createImportFilter(filter) });
  reg.setMember({ memberId: 'm1', asns: [65001], routers: ['192.0.2.11', '2001:db8:4a::11'] });
  reg.setMember({ memberId: 'm2', asns: [65002], routers: ['192.0.2.12', '2001:db8:4a::12'] });
  reg.setMember({ memberId: 'm3', asns: [65003, 4200000003], routers: ['192.0.2.13'] });
  return { reg, clock };
}
