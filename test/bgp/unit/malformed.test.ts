// Malformed-message corpus: each case is wire bytes and the reaction RFC 4271 §6 / RFC 7606 demand.
import { describe, expect, it } from 'vitest';
import { BgpDecodeError, decodeMessage, fromHex, type CodecContext } from '../../../src/bgp/index.ts';
import { AdjRibIn } from '../../../src/bgp/adj-rib-in.ts';
import { AttrIntern, ingestUpdate } from '../../../src/bgp/update-ingest.ts';
import { ORIGIN_IGP, AS_PATH_65002, NEXT_HOP, BASE, NLRI_10_1, MARKER, attr, msgWith, openWith, updateWith } from './helpers.ts';

type Reaction =
  | { reset: [number, number]; data?: string }
  | { withdraw: [number, number] }
  | { discard: [number, number]; without: string }
  | { ok: true; check?: (m: ReturnType<typeof decodeMessage>) => void };

interface Case {
  name: string;
  bytes: Uint8Array;
  ctx?: CodecContext;
  expect: Reaction;
}

const E: CodecContext = { fourOctet: true };

const corpus: Case[] = [
  // Message header (RFC 4271 §6.1)
  { name: 'marker not all ones', bytes: fromHex('ff'.repeat(15) + '00' + '001304'), expect: { reset: [1, 1] } },
  { name: 'length below 19', bytes: fromHex(MARKER + '001204' + '00'), expect: { reset: [1, 2], data: '0012' } },
  { name: 'length above 4096 without extended messages', bytes: fromHex(MARKER + '100102' + '00'.repeat(4097 - 19)), expect: { reset: [1, 2], data: '1001' } },
  { name: 'unknown message type', bytes: msgWith(9, ''), expect: { reset: [1, 3], data: '09' } },
  { name: 'KEEPALIVE longer than 19', bytes: msgWith(4, '00'), expect: { reset: [1, 2] } },
  { name: 'OPEN shorter than 29', bytes: msgWith(1, '04fdea005a'), expect: { reset: [1, 2] } },
  { name: 'NOTIFICATION without error code', bytes: msgWith(3, '06'), expect: { reset: [1, 2] } },
  // OPEN (RFC 4271 §6.2, RFC 5492)
  { name: 'OPEN version 3', bytes: openWith({ version: 3 }), expect: { reset: [2, 1], data: '0004' } },
  { name: 'OPEN BGP identifier 0.0.0.0', bytes: openWith({ id: '00000000' }), expect: { reset: [2, 3] } },
  { name: 'OPEN optional parameter type 1 (authentication)', bytes: openWith({ params: '0102abcd' }), expect: { reset: [2, 4] } },
  { name: 'OPEN capability overruns its parameter', bytes: openWith({ params: '0204410400' }), expect: { reset: [2, 0] } },
  { name: 'OPEN 4-octet ASN capability of 2 octets', bytes: openWith({ params: '02044102fdea' }), expect: { reset: [2, 0] } },
  { name: 'OPEN optional parameters length beyond the message', bytes: fromHex(MARKER + '001d01' + '04fdea005a0a00000205'), expect: { reset: [2, 0] } },
  // UPDATE structure (RFC 4271 §6.3)
  { name: 'withdrawn routes length overruns', bytes: msgWith(2, '00ff0000'), expect: { reset: [3, 1] } },
  { name: 'total path attribute length overruns', bytes: msgWith(2, '000000ff40010100'), expect: { reset: [3, 1] } },
  { name: 'unrecognized well-known attribute', bytes: updateWith(BASE + attr(0x40, 40, '00'), NLRI_10_1), expect: { reset: [3, 2] } },
  { name: 'MP_REACH_NLRI twice', bytes: updateWith(BASE + attr(0x90, 14, '00020110' + '20010db8'.padEnd(32, '0') + '00') + attr(0x90, 14, '00020110' + '20010db8'.padEnd(32, '0') + '00')), expect: { reset: [3, 1] } },
  { name: 'NLRI prefix length 33', bytes: updateWith(BASE, '210a010000ff'), expect: { reset: [3, 10] } },
  { name: 'NLRI prefix overruns the message', bytes: updateWith(BASE, '180a01'), expect: { reset: [3, 10] } },
  { name: 'withdrawn prefix length 40', bytes: updateWith('', '', '280a0100000000'), expect: { reset: [3, 10] } },
  { name: 'MP_REACH_NLRI IPv6 next hop of 5 octets', bytes: updateWith(ORIGIN_IGP + AS_PATH_65002 + attr(0x90, 14, '000201' + '05' + '2001db8000' + '00' + '20' + '20010db8')), expect: { reset: [3, 9] } },
  { name: 'MP_REACH_NLRI IPv6 prefix length 129', bytes: updateWith(ORIGIN_IGP + AS_PATH_65002 + attr(0x90, 14, '000201' + '10' + '20010db8'.padEnd(32, '0') + '00' + '81' + 'ff'.repeat(17))), expect: { reset: [3, 10] } },
  { name: 'MP_UNREACH_NLRI of 2 octets', bytes: updateWith(attr(0x90, 15, '0002')), expect: { reset: [3, 5] } },
  // RFC 7606 treat-as-withdraw
  { name: 'attribute length overruns the attribute section (§4)', bytes: updateWith(BASE + '400105' + '00', NLRI_10_1), expect: { withdraw: [3, 1] } },
  { name: 'attribute header truncated: 2 octets left (§4)', bytes: updateWith(BASE + '4001', NLRI_10_1), expect: { withdraw: [3, 1] } },
  { name: 'ORIGIN value 3', bytes: updateWith(attr(0x40, 1, '03') + AS_PATH_65002 + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 6] } },
  { name: 'ORIGIN of 2 octets', bytes: updateWith(attr(0x40, 1, '0000') + AS_PATH_65002 + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'ORIGIN flagged optional', bytes: updateWith(attr(0xc0, 1, '00') + AS_PATH_65002 + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 4] } },
  { name: 'AS_PATH segment type 5', bytes: updateWith(ORIGIN_IGP + attr(0x40, 2, '05010000fdea') + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 11] } },
  { name: 'AS_PATH segment overruns', bytes: updateWith(ORIGIN_IGP + attr(0x40, 2, '02020000fdea') + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 11] } },
  { name: 'AS_PATH empty segment', bytes: updateWith(ORIGIN_IGP + attr(0x40, 2, '0200') + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 11] } },
  { name: 'AS_PATH confederation segment from an external peer', bytes: updateWith(ORIGIN_IGP + attr(0x40, 2, '03010000fdea') + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 11] } },
  { name: 'NEXT_HOP of 5 octets', bytes: updateWith(ORIGIN_IGP + AS_PATH_65002 + attr(0x40, 3, 'cb00710100'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'NEXT_HOP 0.0.0.0', bytes: updateWith(ORIGIN_IGP + AS_PATH_65002 + attr(0x40, 3, '00000000'), NLRI_10_1), expect: { withdraw: [3, 8] } },
  { name: 'NEXT_HOP multicast', bytes: updateWith(ORIGIN_IGP + AS_PATH_65002 + attr(0x40, 3, 'e0000001'), NLRI_10_1), expect: { withdraw: [3, 8] } },
  { name: 'MULTI_EXIT_DISC of 2 octets', bytes: updateWith(BASE + attr(0x80, 4, '0001'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'LOCAL_PREF of 3 octets from an internal peer', bytes: updateWith(BASE + attr(0x40, 5, '000064'), NLRI_10_1), ctx: { fourOctet: true, ibgp: true }, expect: { withdraw: [3, 5] } },
  { name: 'COMMUNITIES of 3 octets', bytes: updateWith(BASE + attr(0xc0, 8, 'fde900'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'EXTENDED_COMMUNITIES of 4 octets', bytes: updateWith(BASE + attr(0xc0, 16, '0002fde9'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'LARGE_COMMUNITY of 8 octets', bytes: updateWith(BASE + attr(0xc0, 32, '0000fde900000001'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'ORIGINATOR_ID of 3 octets', bytes: updateWith(BASE + attr(0x80, 9, '0a0000'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'CLUSTER_LIST of 6 octets', bytes: updateWith(BASE + attr(0x80, 10, '0a0000010a00'), NLRI_10_1), expect: { withdraw: [3, 5] } },
  { name: 'missing ORIGIN', bytes: updateWith(AS_PATH_65002 + NEXT_HOP, NLRI_10_1), expect: { withdraw: [3, 3] } },
  { name: 'missing NEXT_HOP with IPv4 NLRI', bytes: updateWith(ORIGIN_IGP + AS_PATH_65002, NLRI_10_1), expect: { withdraw: [3, 3] } },
  { name: 'NLRI with no path attributes at all', bytes: updateWith('', NLRI_10_1), expect: { withdraw: [3, 3] } },
  // RFC 7606 attribute discard
  { name: 'ATOMIC_AGGREGATE of 1 octet', bytes: updateWith(BASE + attr(0x40, 6, '00'), NLRI_10_1), expect: { discard: [3, 5], without: 'atomicAggregate' } },
  { name: 'AGGREGATOR of 7 octets', bytes: updateWith(BASE + attr(0xc0, 7, '0000fdea0a0000'), NLRI_10_1), expect: { discard: [3, 5], without: 'aggregator' } },
  { name: 'AS4_AGGREGATOR of 6 octets from an old speaker', bytes: updateWith(ORIGIN_IGP + attr(0x40, 2, '02015ba0') + NEXT_HOP + attr(0xc0, 18, 'fa56ea010a00'), NLRI_10_1), ctx: { fourOctet: false }, expect: { discard: [3, 5], without: 'aggregator' } },
  { name: 'AS4_PATH with a confederation segment', bytes: updateWith(ORIGIN_IGP + attr(0x40, 2, '02015ba0') + NEXT_HOP + attr(0xc0, 17, '0301fa56ea01'), NLRI_10_1), ctx: { fourOctet: false }, expect: { discard: [3, 9], without: 'none' } },
  { name: 'duplicate ORIGIN keeps the first', bytes: updateWith(BASE + attr(0x40, 1, '02'), NLRI_10_1), expect: { discard: [3, 1], without: 'none' } },
  // Silently ignored, RFC 7606 §7.5 / RFC 4271 §5
  {
    name: 'LOCAL_PREF from an external peer is dropped',
    bytes: updateWith(BASE + attr(0x40, 5, '00000064'), NLRI_10_1),
    expect: { ok: true, check: (m) => expect(m.type === 'update' && m.attrs?.localPref).toBe(undefined) },
  },
  {
    name: 'unknown optional non-transitive attribute is dropped',
    bytes: updateWith(BASE + attr(0x80, 200, 'ab'), NLRI_10_1),
    expect: { ok: true, check: (m) => expect(m.type === 'update' && m.attrs?.unknown).toBe(undefined) },
  },
  // ROUTE-REFRESH (RFC 7313 §5)
  { name: 'ROUTE-REFRESH of 24 octets', bytes: msgWith(5, '0001000100'), expect: { reset: [7, 1] } },
];

describe('malformed corpus', () => {
  for (const c of corpus) {
    it(c.name, () => {
      const ctx = c.ctx ?? E;
      const r = c.expect;
      if ('reset' in r) {
        let err: unknown;
        try {
          decodeMessage(c.bytes, ctx);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(BgpDecodeError);
        const e = err as BgpDecodeError;
        expect([e.code, e.subcode]).toEqual(r.reset);
        expect(e.action).toBe('session-reset');
        if (r.data) expect(Buffer.from(e.data).toString('hex')).toBe(r.data);
        return;
      }
      const m = decodeMessage(c.bytes, ctx);
      expect(m.type).toBe(c.bytes[18] === 2 ? 'update' : m.type);
      if ('withdraw' in r) {
        if (m.type !== 'update') throw new Error('not an update');
        expect(m.treatAsWithdraw?.action).toBe('treat-as-withdraw');
        expect([m.treatAsWithdraw!.code, m.treatAsWithdraw!.subcode]).toEqual(r.withdraw);
      } else if ('discard' in r) {
        if (m.type !== 'update') throw new Error('not an update');
        expect(m.treatAsWithdraw).toBeUndefined();
        expect(m.discarded?.[0]?.action).toBe('attribute-discard');
        expect([m.discarded![0].code, m.discarded![0].subcode]).toEqual(r.discard);
        if (r.without !== 'none') expect(m.attrs).not.toHaveProperty(r.without);
        expect(m.nlri).toEqual([{ prefix: '10.1.0.0/24' }]);
      } else {
        r.check?.(m);
      }
    });
  }

  it('treat-as-withdraw removes the prefix a peer had announced before (fast path)', () => {
    const intern = new AttrIntern();
    const rib = new AdjRibIn(intern);
    const ctx = { fourOctet: true, families: ['ipv4', 'ipv6'] as const };
    ingestUpdate(updateWith(BASE, NLRI_10_1), ctx, intern, rib, false);
    expect(rib.count()).toBe(1);
    const r = ingestUpdate(updateWith(BASE + attr(0xc0, 8, 'fde900'), NLRI_10_1), ctx, intern, rib, true);
    expect(r.treatAsWithdraw?.subcode).toBe(5);
    expect(r.changes[0]).toMatchObject({ family: 'ipv4', withdrawn: 1, withdrawnPrefixes: ['10.1.0.0/24'] });
    expect(rib.count()).toBe(0);
    expect(intern.size).toBe(0);
  });

  it('an unparsable attribute section withdraws the classic and MP_REACH NLRI it carries (RFC 7606 §4)', () => {
    const intern = new AttrIntern();
    const rib = new AdjRibIn(intern);
    const ctx = { fourOctet: true, families: ['ipv4', 'ipv6'] as const };
    const mp = attr(0x90, 14, '000201' + '10' + '20010db8'.padEnd(32, '0') + '00' + '30' + '20010db80001');
    ingestUpdate(updateWith(BASE, NLRI_10_1), ctx, intern, rib, false);
    ingestUpdate(updateWith(ORIGIN_IGP + AS_PATH_65002 + mp), ctx, intern, rib, false);
    expect(rib.count()).toBe(2);
    const r = ingestUpdate(updateWith(BASE + mp + '400105' + '00', NLRI_10_1), ctx, intern, rib, false);
    expect(r.treatAsWithdraw).toMatchObject({ code: 3, subcode: 1, action: 'treat-as-withdraw' });
    expect(rib.count()).toBe(0);
  });

  it('drops a path holding our own ASN as a loop (RFC 4271 §9.1.2), withdrawing what it replaces', () => {
    const intern = new AttrIntern();
    const rib = new AdjRibIn(intern);
    const ctx = { fourOctet: true, families: ['ipv4', 'ipv6'] as const, localAsn: 65001 };
    ingestUpdate(updateWith(BASE, NLRI_10_1), ctx, intern, rib, false);
    expect(rib.count()).toBe(1);
    const looped = updateWith(ORIGIN_IGP + attr(0x40, 2, '02030000fdea0000fde90000fdeb') + NEXT_HOP, NLRI_10_1 + '180a0200');
    const r = ingestUpdate(looped, ctx, intern, rib, true);
    expect(r.loops).toBe(2);
    expect(r.treatAsWithdraw).toBeUndefined();
    expect(r.changes[0]).toMatchObject({ announced: 0, withdrawn: 1, announcedRoutes: [], withdrawnPrefixes: ['10.1.0.0/24'] });
    expect(rib.count()).toBe(0);
    // The same bytes from a session of another ASN are fine (the cache key includes the local ASN).
    expect(ingestUpdate(looped, { ...ctx, localAsn: 65009 }, intern, rib, false).loops).toBe(0);
    expect(rib.count()).toBe(2);
  });

  it('ignores MP_REACH_NLRI of a family not negotiated (RFC 4760 §7)', () => {
    const intern = new AttrIntern();
    const rib = new AdjRibIn(intern);
    const v6 = updateWith(ORIGIN_IGP + AS_PATH_65002 + attr(0x90, 14, '000201' + '10' + '20010db8'.padEnd(32, '0') + '00' + '30' + '20010db80001'));
    const r = ingestUpdate(v6, { fourOctet: true, families: ['ipv4'] }, intern, rib, false);
    expect(r.ignored).toBe(1);
    expect(rib.count()).toBe(0);
    ingestUpdate(v6, { fourOctet: true, families: ['ipv4', 'ipv6'] }, intern, rib, false);
    expect(rib.routes('ipv6')).toEqual([{ prefix: '2001:db8:1::/48', attrs: expect.objectContaining({ nextHop: '2001:db8::' }) }]);
  });
});
