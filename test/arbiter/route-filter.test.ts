import { describe, expect, it } from 'vitest';
import { createImportFilter, REJECT_REASONS, type ImportFilterConfig } from '../../src/registry/route-filter.ts';
import { createRoaSet } from '../../src/registry/route-rpki.ts';
import { createPrefixList } from '../../src/registry/route-irr.ts';
import type { MemberRouting, RouteAttributes } from '../../src/registry/route-model.ts';
import { LAB_FILTER, route, seq } from './helpers.ts';

const m1: MemberRouting = { memberId: 'm1', asns: [65001, 4200000001], routers: ['192.0.2.11', '192.0.2.21', '2001:db8:4a::11'] };
const roas = createRoaSet([
  { asn: 65001, prefix: '203.0.113.0/24', maxLength: 24 },
  { asn: 65009, prefix: '198.51.100.0/24', maxLength: 24 },
  { asn: 65001, prefix: '2001:db8:100::/40', maxLength: 48 },
]);

type Case = {
  name: string;
  prefix: string;
  attrs?: Partial<RouteAttributes>;
  router?: string;
  config?: Partial<ImportFilterConfig>;
  rpki?: boolean;
  irr?: string[];
  reasons: string[];
};

const cases: Case[] = [
  { name: 'clean lab route', prefix: '203.0.113.0/24', reasons: [] },
  { name: 'next hop of another router of the same member', prefix: '203.0.113.0/24', attrs: { nextHop: '192.0.2.21' }, reasons: [] },
  { name: 'foreign next hop', prefix: '203.0.113.0/24', attrs: { nextHop: '192.0.2.99' }, reasons: ['NEXT_HOP_NOT_MEMBER_ROUTER'] },
  {
    name: 'peer mode: next hop must be the session router itself',
    prefix: '203.0.113.0/24',
    attrs: { nextHop: '192.0.2.21' },
    config: { ...LAB_FILTER, nextHop: 'peer' },
    reasons: ['NEXT_HOP_NOT_MEMBER_ROUTER'],
  },
  { name: 'wrong first AS', prefix: '203.0.113.0/24', attrs: { asPath: seq(65002, 65001) }, reasons: ['FIRST_AS_NOT_MEMBER'] },
  { name: "member's second ASN first", prefix: '203.0.113.0/24', attrs: { asPath: seq(4200000001, 4200000077) }, reasons: [] },
  { name: 'empty AS path', prefix: '203.0.113.0/24', attrs: { asPath: [] }, reasons: ['AS_PATH_EMPTY'] },
  {
    name: 'AS path starting with an AS_SET',
    prefix: '203.0.113.0/24',
    attrs: { asPath: [{ type: 'set', asns: [65001] }] },
    reasons: ['AS_PATH_EMPTY', 'AS_SET_IN_PATH'],
  },
  {
    name: 'AS_SET later in the path',
    prefix: '203.0.113.0/24',
    attrs: { asPath: [...seq(65001), { type: 'set', asns: [4200000005, 4200000006] }] },
    reasons: ['AS_SET_IN_PATH'],
  },
  {
    name: 'AS_SET allowed by config',
    prefix: '203.0.113.0/24',
    attrs: { asPath: [...seq(65001), { type: 'set', asns: [4200000005] }] },
    config: { ...LAB_FILTER, rejectAsSet: false },
    reasons: [],
  },
  {
    name: 'AS path too long (prepends count)',
    prefix: '203.0.113.0/24',
    attrs: { asPath: seq(...new Array<number>(65).fill(65001)) },
    reasons: ['AS_PATH_TOO_LONG'],
  },
  { name: 'AS path at the limit', prefix: '203.0.113.0/24', attrs: { asPath: seq(...new Array<number>(64).fill(65001)) }, reasons: [] },
  { name: 'IPv4 /25 too long', prefix: '203.0.113.128/25', reasons: ['PREFIX_TOO_LONG'] },
  { name: 'IPv4 /7 too short', prefix: '6.0.0.0/7', attrs: { asPath: seq(65001) }, reasons: ['PREFIX_TOO_SHORT'] },
  { name: 'IPv4 /25 allowed by bounds config', prefix: '203.0.113.128/25', config: { ...LAB_FILTER, prefixLength: { ipv4: { min: 8, max: 25 }, ipv6: { min: 16, max: 48 } } }, reasons: [] },
  { name: 'default route', prefix: '0.0.0.0/0', reasons: ['PREFIX_TOO_SHORT', 'BOGON_PREFIX'] },
  { name: 'RFC 1918', prefix: '10.1.0.0/16', reasons: ['BOGON_PREFIX'] },
  { name: 'shared address space', prefix: '100.64.0.0/10', reasons: ['BOGON_PREFIX'] },
  { name: 'multicast', prefix: '224.1.0.0/16', reasons: ['BOGON_PREFIX'] },
  { name: 'documentation prefix with the default config', prefix: '203.0.113.0/24', config: { bogons: { allowPrivateAsns: true } }, reasons: ['BOGON_PREFIX'] },
  { name: 'configured extra bogon', prefix: '6.0.0.0/8', config: { ...LAB_FILTER, bogons: { ...LAB_FILTER.bogons, extraPrefixes: ['6.0.0.0/8'] } }, reasons: ['BOGON_PREFIX'] },
  { name: 'public IPv4 outside every bogon', prefix: '8.8.8.0/24', reasons: [] },
  { name: 'IPv6 documentation (allowed in the lab)', prefix: '2001:db8:100::/48', attrs: { nextHop: '2001:db8:4a::11' }, reasons: [] },
  { name: 'IPv6 unique local', prefix: 'fd00:1::/48', attrs: { nextHop: '2001:db8:4a::11' }, reasons: ['BOGON_PREFIX'] },
  { name: 'IPv6 outside 2000::/3', prefix: '4000::/16', attrs: { nextHop: '2001:db8:4a::11' }, reasons: ['BOGON_PREFIX'] },
  { name: 'IPv6 6to4', prefix: '2002:c000:200::/48', attrs: { nextHop: '2001:db8:4a::11' }, reasons: ['BOGON_PREFIX'] },
  { name: 'IPv6 /64 too long', prefix: '2001:db8:100::/64', attrs: { nextHop: '2001:db8:4a::11' }, reasons: ['PREFIX_TOO_LONG'] },
  { name: 'IPv6 /12 too short', prefix: '2000::/12', attrs: { nextHop: '2001:db8:4a::11' }, reasons: ['PREFIX_TOO_SHORT'] },
  { name: 'AS 0 in path', prefix: '203.0.113.0/24', attrs: { asPath: seq(65001, 0) }, reasons: ['BOGON_ASN'] },
  { name: 'AS_TRANS in path', prefix: '203.0.113.0/24', attrs: { asPath: seq(65001, 23456) }, reasons: ['BOGON_ASN'] },
  { name: 'documentation ASN', prefix: '203.0.113.0/24', attrs: { asPath: seq(65001, 64500) }, reasons: ['BOGON_ASN'] },
  { name: 'IANA reserved ASN', prefix: '203.0.113.0/24', attrs: { asPath: seq(65001, 100000) }, reasons: ['BOGON_ASN'] },
  { name: 'last ASN', prefix: '203.0.113.0/24', attrs: { asPath: seq(65001, 4294967295) }, reasons: ['BOGON_ASN'] },
  {
    name: 'private ASNs with the default config',
    prefix: '8.8.8.0/24',
    config: { bogons: {} },
    reasons: ['BOGON_ASN'],
  },
  { name: 'private ASN allowed in the lab', prefix: '203.0.113.0/24', attrs: { asPath: seq(65001, 4200000009) }, reasons: [] },
  { name: 'RPKI valid', prefix: '203.0.113.0/24', rpki: true, reasons: [] },
  { name: 'RPKI invalid origin', prefix: '198.51.100.0/24', rpki: true, reasons: ['RPKI_INVALID'] },
  { name: 'RPKI invalid length', prefix: '2001:db8:100::/49', attrs: { nextHop: '2001:db8:4a::11' }, config: { ...LAB_FILTER, prefixLength: { ipv4: { min: 8, max: 24 }, ipv6: { min: 16, max: 64 } } }, rpki: true, reasons: ['RPKI_INVALID'] },
  { name: 'RPKI not found is accepted', prefix: '8.8.8.0/24', rpki: true, reasons: [] },
  { name: 'RPKI invalid only marked when configured', prefix: '198.51.100.0/24', rpki: true, config: { ...LAB_FILTER, rpkiRejectInvalid: false }, reasons: [] },
  { name: 'IRR listed', prefix: '203.0.113.0/24', irr: ['203.0.113.0/24'], reasons: [] },
  { name: 'IRR not listed', prefix: '198.51.100.0/24', irr: ['203.0.113.0/24'], reasons: ['IRR_NOT_LISTED'] },
  {
    name: 'everything wrong at once: every reason reported',
    prefix: '10.0.0.0/25',
    attrs: { nextHop: '192.0.2.99', asPath: seq(65002, 0) },
    reasons: ['NEXT_HOP_NOT_MEMBER_ROUTER', 'FIRST_AS_NOT_MEMBER', 'PREFIX_TOO_LONG', 'BOGON_PREFIX', 'BOGON_ASN'],
  },
];

describe('import filter (RFC 7948 practice)', () => {
  it.each(cases)('$name', (c) => {
    const f = createImportFilter(c.config ?? LAB_FILTER);
    const v = f.check(route('m1', c.router ?? '192.0.2.11', c.prefix, c.attrs), {
      member: m1,
      ...(c.rpki ? { roas } : {}),
      ...(c.irr ? { prefixList: createPrefixList('AS65001', c.irr.map((p) => ({ prefix: p, minLen: Number(p.split('/')[1]), maxLen: Number(p.split('/')[1]) }))) } : {}),
    });
    expect(v.reasons).toEqual(c.reasons);
    if (c.rpki) expect(v.rpki).not.toBe('unchecked');
    else expect(v.rpki).toBe('unchecked');
    if (c.irr) expect(v.irr).toBe(c.reasons.includes('IRR_NOT_LISTED') ? 'no-match' : 'match');
  });

  it('gives every reason a description (shown to the member)', () => {
    for (const c of cases) for (const r of c.reasons) expect(REJECT_REASONS).toHaveProperty(r);
  });
});
