// The route set every daemon announces when capturing fixtures: prefixes of several lengths in both
// families, shared attribute sets (so daemons pack several NLRI into one UPDATE), communities, large
// and extended communities, MED, 4-octet ASNs in the path and one long path.
import type { DaemonRoute } from './types.ts';

export function fixtureRoutes(ownAsn: number): DaemonRoute[] {
  const tag = ownAsn > 0xffff ? 65100 : ownAsn; // 2-octet community ASN field
  const rich = {
    asPath: [4200000001, 64512],
    communities: [[tag, 100], [tag, 200], [65535, 666]] as [number, number][],
    largeCommunities: [[4200000002, 1, 2], [ownAsn, 7, 8]] as [number, number, number][],
    extCommunities: [[tag, 7]] as [number, number][],
    med: 50,
  };
  const longPath = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 4200000100 + i : 64600 + i));
  return [
    { prefix: '10.1.0.0/24', ...rich },
    { prefix: '10.1.1.0/24', ...rich },
    { prefix: '10.1.2.0/23', ...rich },
    { prefix: '10.2.0.0/16' },
    { prefix: '10.3.0.0/25', asPath: [4200000009], communities: [[tag, 300]], origin: 'incomplete' },
    { prefix: '10.3.0.128/25', asPath: [4200000009], communities: [[tag, 300]], origin: 'incomplete' },
    { prefix: '10.4.4.4/32', asPath: longPath, largeCommunities: [[4200000002, 4, 4]] },
    { prefix: '172.16.0.0/12', med: 0, origin: 'egp' },
    { prefix: '2001:db8:1::/48', ...rich },
    { prefix: '2001:db8:2::/48', ...rich },
    { prefix: '2001:db8:100::/40', asPath: longPath, communities: [[tag, 600]] },
    { prefix: '2001:db8:ffff:1::/64' },
    { prefix: '2001:db8:abcd::1/128', asPath: [4200000009], largeCommunities: [[4200000002, 6, 6]] },
  ];
}

export const FIXTURE_WITHDRAW = ['10.1.1.0/24', '10.3.0.0/25', '2001:db8:2::/48', '2001:db8:ffff:1::/64'];
