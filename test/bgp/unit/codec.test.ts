// Hand-built messages: byte-exact round trips and the meaning of each field.
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  decodeUpdate,
  encodeUpdate,
  encodeEndOfRib,
  endOfRibFamily,
  encodeNotification,
  decodeNotification,
  encodeRouteRefresh,
  decodeRouteRefresh,
  encodeOpen,
  decodeOpen,
  fromHex,
  toHex,
  summarizeCapabilities,
  parseCommunity,
  formatCommunity,
  parseLargeCommunity,
  parseExtCommunity,
  formatExtCommunity,
  notificationName,
  parsePrefix,
  formatIPv6,
  parseIPv6,
  type UpdateMessage,
  type OpenMessage,
} from '../../../src/bgp/index.ts';
import { updateWith } from './helpers.ts';

const M = 'ffffffffffffffffffffffffffffffff';


describe('OPEN', () => {
  it('round-trips every capability, one parameter per capability or grouped', () => {
    const o: OpenMessage = {
      version: 4,
      asn: 23456,
      holdTime: 90,
      routerId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'multiprotocol', afi: 2, safi: 1 },
        { type: 'route-refresh' },
        { type: 'enhanced-route-refresh' },
        { type: 'four-octet-asn', asn: 4200000001 },
        { type: 'graceful-restart', restartState: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: true }] },
        { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }] },
        { type: 'extended-message' },
        { type: 'unknown', code: 73, value: new Uint8Array([3, 102, 111, 111, 0]) },
      ],
      paramGroups: [1, 1, 1, 1, 1, 1, 1, 1, 1],
    };
    const wire = encodeOpen(o);
    const back = decodeOpen(wire);
    expect(back).toEqual(o);
    expect(toHex(encodeOpen(back))).toBe(toHex(wire));
    const grouped = encodeOpen({ ...o, paramGroups: undefined });
    expect(decodeOpen(grouped).paramGroups).toEqual([9]);
    const s = summarizeCapabilities(back.capabilities);
    expect(s.fourOctetAsn).toBe(4200000001);
    expect(s.gracefulRestart?.restartTime).toBe(120);
    expect(s.addPath).toHaveLength(2);
    expect(s.unknown).toEqual([73]);
  });

  it('reads the extended optional parameters length of RFC 9072', () => {
    const o: OpenMessage = { version: 4, asn: 65001, holdTime: 3, routerId: '10.0.0.1', capabilities: [{ type: 'route-refresh' }], extendedParams: true, paramGroups: [1] };
    const wire = encodeOpen(o);
    expect(toHex(wire).slice(56, 62)).toBe('ffff00'); // 255, 255, then a 2-octet length
    expect(decodeOpen(wire)).toEqual(o);
  });
});

describe('UPDATE', () => {
  const full: UpdateMessage = {
    withdrawn: [{ prefix: '192.0.2.0/24' }, { prefix: '0.0.0.0/0' }],
    attrs: {
      origin: 'egp',
      asPath: [
        { type: 'sequence', asns: [65001, 4200000001] },
        { type: 'set', asns: [65010, 65011] },
      ],
      nextHop: '203.0.113.1',
      med: 50,
      atomicAggregate: true,
      aggregator: { asn: 4200000001, address: '198.51.100.1' },
      communities: [parseCommunity('65000:100')!, parseCommunity('no-export')!],
      extCommunities: [parseExtCommunity('rt:65000:7')!],
      largeCommunities: [[4200000001, 1, 2]],
      originatorId: '10.0.0.9',
      clusterList: ['10.0.0.1', '10.0.0.2'],
      unknown: [{ flags: 0xe0, type: 99, value: new Uint8Array([1, 2, 3]) }],
    },
    nlri: [{ prefix: '10.0.0.0/8' }, { prefix: '198.51.100.128/25' }, { prefix: '203.0.113.7/32' }],
  };

  it('round-trips every attribute byte for byte', () => {
    const wire = encodeUpdate(full, { fourOctet: true });
    const back = decodeUpdate(wire, { fourOctet: true });
    expect(back.attrs).toEqual(full.attrs);
    expect(back.nlri).toEqual(full.nlri);
    expect(back.withdrawn).toEqual(full.withdrawn);
    expect(toHex(encodeUpdate(back, { fourOctet: true }))).toBe(toHex(wire));
  });

  it('sets the Partial bit on unknown optional transitive attributes and drops unknown non-transitive ones', () => {
    // ORIGIN igp, AS_PATH empty, NEXT_HOP, attribute 99 optional transitive (0xc0) and 98 optional non-transitive (0x80).
    const hex = `${M}0032020000001b40010100400200400304cb007101c06302abcd80620101180a0000`.replace('0032', '0032');
    const msg = fromHex(hex);
    msg[17] = msg.length;
    const u = decodeUpdate(msg, { fourOctet: true });
    expect(u.attrs?.unknown).toEqual([{ flags: 0xe0, type: 99, value: new Uint8Array([0xab, 0xcd]) }]);
    const again = encodeUpdate({ ...u, layout: undefined }, { fourOctet: true });
    expect(toHex(again)).toContain('e06302abcd');
    expect(toHex(again)).not.toContain('806201');
  });

  it('carries IPv6 in MP_REACH/MP_UNREACH with a link-local next hop and add-path ids', () => {
    const u: UpdateMessage = {
      withdrawn: [],
      attrs: { origin: 'igp', asPath: [{ type: 'sequence', asns: [65002] }], nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1', largeCommunities: [[65002, 0, 1]] },
      nlri: [],
      mpReach: { afi: 2, safi: 1, nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1', nlri: [{ prefix: '2001:db8:1::/48', pathId: 7 }, { prefix: '::/0', pathId: 1 }] },
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:ffff::/64', pathId: 2 }] },
    };
    const ctx = { fourOctet: true, addPathIpv6: true };
    const wire = encodeUpdate(u, ctx);
    const back = decodeUpdate(wire, ctx);
    expect(back.mpReach).toEqual(u.mpReach);
    expect(back.mpUnreach).toEqual(u.mpUnreach);
    expect(back.attrs).toEqual(u.attrs);
    expect(toHex(encodeUpdate(back, ctx))).toBe(toHex(wire));
  });

  it('talks to a 2-octet speaker with AS_TRANS and AS4_PATH / AS4_AGGREGATOR (RFC 6793)', () => {
    const u: UpdateMessage = {
      withdrawn: [],
      attrs: { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001, 4200000001, 65002] }], nextHop: '203.0.113.1', aggregator: { asn: 4200000009, address: '192.0.2.9' } },
      nlri: [{ prefix: '10.1.0.0/16' }],
    };
    const wire = encodeUpdate(u, { fourOctet: false });
    const hex = toHex(wire);
    expect(hex).toContain('0203fde95ba0fdea'); // AS_PATH 65001 23456 65002
    expect(hex).toContain('c0110e0203'); // AS4_PATH present
    expect(hex).toContain('c01208fa56ea09'); // AS4_AGGREGATOR 4200000009
    const back = decodeUpdate(wire, { fourOctet: false });
    expect(back.attrs?.asPath).toEqual(u.attrs!.asPath);
    expect(back.attrs?.aggregator).toEqual(u.attrs!.aggregator);
    // An OLD speaker (as4Aware false) keeps AS_TRANS and passes AS4_PATH on as an unknown attribute.
    const old = decodeUpdate(wire, { fourOctet: false, as4Aware: false });
    expect(old.attrs?.asPath[0].asns).toEqual([65001, 23456, 65002]);
    expect(old.attrs?.unknown?.map((x) => x.type)).toEqual([17, 18]);
  });

  it('reconciles a shorter AS4_PATH by keeping the leading ASes of AS_PATH (RFC 6793 §4.2.3)', () => {
    // AS_PATH 65010 65001 23456 (3 ASes) + AS4_PATH 4200000001 (1) → 65010 65001 4200000001
    const msg = updateWith('40010100' + '4002080203fdf2fde95ba0' + '400304cb007101' + 'c011060201fa56ea01', '180a0100');
    const u = decodeUpdate(msg, { fourOctet: false });
    expect(u.attrs?.asPath).toEqual([{ type: 'sequence', asns: [65010, 65001, 4200000001] }]);
  });

  it('encodes End-of-RIB for both families and recognises it', () => {
    expect(toHex(encodeEndOfRib('ipv4'))).toBe(`${M}001702` + '00000000');
    expect(endOfRibFamily(decodeUpdate(encodeEndOfRib('ipv4'), { fourOctet: true }))).toBe('ipv4');
    expect(endOfRibFamily(decodeUpdate(encodeEndOfRib('ipv6'), { fourOctet: true }))).toBe('ipv6');
    expect(endOfRibFamily(decodeUpdate(encodeUpdate(full, { fourOctet: true }), { fourOctet: true }))).toBeUndefined();
  });
});

describe('NOTIFICATION, ROUTE-REFRESH, KEEPALIVE', () => {
  it('carries a shutdown communication (RFC 9003) and names every code', () => {
    const wire = encodeNotification({ code: 6, subcode: 2, shutdownMessage: 'maintenance until 04:00 — ticket #42' });
    const n = decodeNotification(wire);
    expect(n.shutdownMessage).toBe('maintenance until 04:00 — ticket #42');
    expect(n.name).toBe('Cease / Administrative Shutdown');
    expect(toHex(encodeMessage(decodeMessage(wire)))).toBe(toHex(wire));
    expect(decodeNotification(encodeNotification({ code: 6, subcode: 2, shutdownMessage: 'é'.repeat(200) })).shutdownMessage).toBe('é'.repeat(127));
    expect(notificationName(2, 6)).toBe('OPEN Message Error / Unacceptable Hold Time');
    expect(notificationName(3, 11)).toBe('UPDATE Message Error / Malformed AS_PATH');
    expect(notificationName(5, 3)).toBe('Finite State Machine Error / Receive Unexpected Message in Established State');
    expect(notificationName(6, 9)).toBe('Cease / Hard Reset');
    expect(notificationName(7, 1)).toBe('ROUTE-REFRESH Message Error / Invalid Message Length');
  });

  it('round-trips ROUTE-REFRESH with BoRR/EoRR and KEEPALIVE', () => {
    for (const subtype of ['request', 'borr', 'eorr'] as const) {
      const wire = encodeRouteRefresh({ afi: 2, safi: 1, subtype });
      expect(decodeRouteRefresh(wire)).toMatchObject({ afi: 2, safi: 1, subtype });
      expect(toHex(encodeMessage(decodeMessage(wire)))).toBe(toHex(wire));
    }
    expect(toHex(encodeMessage({ type: 'keepalive' }))).toBe(`${M}001304`);
  });
});

describe('helpers', () => {
  it('parses and prints communities, large and extended communities', () => {
    expect(parseCommunity('65000:100')).toBe(65000 * 65536 + 100);
    expect(parseCommunity('NO_EXPORT')).toBe(0xffffff01);
    expect(parseCommunity('65536:1')).toBeUndefined();
    expect(formatCommunity(0xffff029a)).toBe('blackhole');
    expect(formatCommunity(0xffff029a, true)).toBe('65535:666');
    expect(parseLargeCommunity('4200000001:1:2')).toEqual([4200000001, 1, 2]);
    expect(formatExtCommunity(parseExtCommunity('rt:65000:7')!)).toBe('rt:65000:7');
    expect(formatExtCommunity(parseExtCommunity('soo:4200000001:7')!)).toBe('soo:4200000001:7');
  });

  it('parses canonical prefixes only and prints IPv6 per RFC 5952', () => {
    expect(parsePrefix('10.0.0.0/8')?.length).toBe(8);
    expect(parsePrefix('10.0.0.1/8')).toBeUndefined();
    expect(parsePrefix('2001:DB8::/32')?.family).toBe('ipv6');
    expect(parsePrefix('10.0.0.0/33')).toBeUndefined();
    expect(formatIPv6(parseIPv6('2001:0db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6(parseIPv6('::ffff:192.0.2.1')!)).toBe('::ffff:192.0.2.1');
    expect(formatIPv6(parseIPv6('::')!)).toBe('::');
    expect(parseIPv6('1::2::3')).toBeUndefined();
  });
});
