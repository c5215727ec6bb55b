import { describe, expect, it } from 'vitest';
import { ExportEngine, type ExportDelta } from '../../src/arbiter/export-policy.ts';
import { tradeNumber, type TradeView } from '../../src/arbiter/trade-view.ts';
import { labRegistry, route, seq } from './helpers.ts';

const RS = 64999;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const H = 3_600_000;

function trade(over: Partial<TradeView> = {}): TradeView {
  return {
    id: 'trd_1',
    buyerId: 'm2',
    sellerId: 'm1',
    destination: '203.0.113.0/24',
    protocol: 'ipv4',
    start: T0 + H,
    end: T0 + 2 * H,
    status: 'scheduled',
    ...over,
  };
}

function setup() {
  const { reg } = labRegistry();
  const eng = new ExportEngine(reg, { rsAsn: RS });
  const learn = (memberId: string, router: string, prefix: string, a = {}) => eng.routeChanged(reg.learn(route(memberId, router, prefix, a)), 0);
  // seller m1 announces a /16, the traded /24 and one more-specific outside it
  learn('m1', '192.0.2.11', '203.0.0.0/16', { communities: [[65001, 100]] });
  learn('m1', '192.0.2.11', '203.0.113.0/24', { communities: [[65001, 100]], largeCommunities: [[65001, 5, 5], [RS, 1, 777]] });
  learn('m1', '192.0.2.11', '198.51.100.0/24');
  // buyer m2 announces and registers its own prefix
  learn('m2', '192.0.2.12', '192.0.2.0/24', { asPath: seq(65002), nextHop: '192.0.2.12' });
  reg.registerPrefix('m2', '192.0.2.0/24');
  return { reg, eng, learn };
}

function summary(d: Map<string, ExportDelta>) {
  return Object.fromEntries([...d].map(([m, x]) => [m, { announce: x.announce.map((r) => r.prefix), withdraw: x.withdraw }]));
}

describe('export policy (RFC 8212 default deny, trades → announcements)', () => {
  it('tick wakes for the next live boundary only, skipping cancelled and removed trades, and a clock jump applies every passed boundary', () => {
    const { eng } = setup();
    eng.upsertTrade(trade({ id: 'trd_a', start: T0 + H, end: T0 + 4 * H }), T0);
    eng.upsertTrade(trade({ id: 'trd_b', start: T0 + 2 * H, end: T0 + 3 * H }), T0);
    eng.upsertTrade(trade({ id: 'trd_c', start: T0 + H / 2, end: T0 + 5 * H }), T0);
    expect(eng.tick(T0)).toBe(T0 + H / 2);
    eng.upsertTrade(trade({ id: 'trd_c', start: T0 + H / 2, end: T0 + 5 * H, status: 'cancelled' }), T0);
    expect(eng.tick(T0)).toBe(T0 + H);
    eng.removeTrade('trd_b', T0);
    // One jump past a's start: a becomes live, b (removed) and c (cancelled) never export.
    expect(eng.tick(T0 + 3.5 * H)).toBe(T0 + 4 * H);
    expect(eng.liveTrades().map((t) => t.id)).toEqual(['trd_a']);
    expect(eng.tick(T0 + 4 * H)).toBeUndefined();
    expect(eng.liveTrades()).toEqual([]);
  });

  it('exports nothing without a live trade', () => {
    const { eng } = setup();
    eng.upsertTrade(trade(), T0);
    expect(eng.drain().size).toBe(0);
    expect(eng.exportsFor('m2')).toEqual([]);
    expect(eng.exportsFor('m1')).toEqual([]);
  });

  it('at the period start sends the buyer the seller route (transparent, tagged, NO_EXPORT) and the seller the buyer prefix; at the end withdraws both', () => {
    const { eng } = setup();
    eng.upsertTrade(trade(), T0);
    expect(eng.tick(T0)).toBe(T0 + H);
    expect(eng.tick(T0 + H)).toBe(T0 + 2 * H);
    expect(summary(eng.drain())).toEqual({
      m1: { announce: ['192.0.2.0/24'], withdraw: [] },
      m2: { announce: ['203.0.113.0/24'], withdraw: [] },
    });
    const [toBuyer] = eng.exportsFor('m2');
    const n = tradeNumber('trd_1');
    expect(toBuyer.attrs.nextHop).toBe('192.0.2.11'); // seller's next hop (RFC 7947)
    expect(toBuyer.attrs.asPath).toEqual(seq(65001)); // no route-server ASN prepended
    expect(toBuyer.attrs.communities).toEqual([[65001, 100], [0xffff, 0xff01]]);
    // the seller's forged route-server community is stripped; the trade tag added
    expect(toBuyer.attrs.largeCommunities).toEqual([[RS, 1, n], [65001, 5, 5]]);
    expect(toBuyer.reasons).toEqual([{ tradeId: 'trd_1', tradeNumber: n, role: 'delivery' }]);
    expect(toBuyer.source).toEqual({ memberId: 'm1', router: '192.0.2.11' });
    const [toSeller] = eng.exportsFor('m1');
    expect(toSeller.attrs.nextHop).toBe('192.0.2.12');
    expect(toSeller.attrs.largeCommunities).toEqual([[RS, 2, n]]);
    expect(eng.drainEvents().map((e) => e.type)).toEqual(['TradeExportStarted']);

    expect(eng.tick(T0 + 2 * H)).toBeUndefined();
    expect(summary(eng.drain())).toEqual({
      m1: { announce: [], withdraw: ['192.0.2.0/24'] },
      m2: { announce: [], withdraw: ['203.0.113.0/24'] },
    });
    expect(eng.exportsFor('m2')).toEqual([]);
  });

  it('withdraws at cancellation', () => {
    const { eng } = setup();
    eng.upsertTrade(trade({ start: T0 }), T0);
    eng.drain();
    eng.upsertTrade(trade({ start: T0, status: 'cancelled' }), T0 + 1000);
    expect(summary(eng.drain())).toEqual({
      m1: { announce: [], withdraw: ['192.0.2.0/24'] },
      m2: { announce: [], withdraw: ['203.0.113.0/24'] },
    });
  });

  type DestCase = { name: string; destination: string; protocol?: 'ipv4' | 'ipv6'; seller: string[]; want: string[] };
  const destCases: DestCase[] = [
    { name: 'exact route', destination: '203.0.113.0/24', seller: ['203.0.0.0/16', '203.0.113.0/24'], want: ['203.0.113.0/24'] },
    { name: 'more-specifics inside the destination', destination: '203.0.0.0/16', seller: ['203.0.1.0/24', '203.0.2.0/24', '198.51.100.0/24'], want: ['203.0.1.0/24', '203.0.2.0/24'] },
    { name: 'covering fallback: most specific covering route', destination: '203.0.113.0/24', seller: ['203.0.0.0/8', '203.0.0.0/16'], want: ['203.0.0.0/16'] },
    { name: 'nothing for the destination', destination: '203.0.113.0/24', seller: ['198.51.100.0/24'], want: [] },
    { name: 'any: the whole table of the family', destination: 'any', seller: ['203.0.0.0/16', '198.51.100.0/24', '2001:db8:1::/48'], want: ['198.51.100.0/24', '203.0.0.0/16'] },
    { name: 'any IPv6', destination: 'any', protocol: 'ipv6', seller: ['203.0.0.0/16', '2001:db8:1::/48'], want: ['2001:db8:1::/48'] },
  ];
  it.each(destCases)('destination resolution: $name', (c) => {
    const { reg } = labRegistry();
    const eng = new ExportEngine(reg, { rsAsn: RS });
    for (const p of c.seller) reg.learn(route('m1', p.includes(':') ? '2001:db8:4a::11' : '192.0.2.11', p, { nextHop: p.includes(':') ? '2001:db8:4a::11' : '192.0.2.11' }));
    eng.upsertTrade(trade({ destination: c.destination, protocol: c.protocol ?? 'ipv4', start: T0 }), T0);
    expect(eng.exportsFor('m2').map((r) => r.prefix)).toEqual(c.want);
    const ev = eng.drainEvents();
    expect(ev.some((e) => e.type === 'TradeRouteLost')).toBe(c.want.length === 0);
  });

  it('follows seller changes during the trade: TradeRouteLost, TradeRouteRestored, attribute updates', () => {
    const { eng, reg, learn } = setup();
    eng.upsertTrade(trade({ start: T0 }), T0);
    eng.drain();
    eng.drainEvents();
    // a path change is re-announced with the new attributes
    learn('m1', '192.0.2.11', '203.0.113.0/24', { med: 50 });
    const d = eng.drain().get('m2')!;
    expect(d.announce.map((r) => r.attrs.med)).toEqual([50]);
    // withdrawal: the covering /16 takes over (fallback), no loss for the buyer's destination
    eng.routeChanged(reg.withdraw('192.0.2.11', '203.0.113.0/24')!, T0 + 5);
    expect(summary(eng.drain())).toEqual({ m2: { announce: ['203.0.0.0/16'], withdraw: ['203.0.113.0/24'] } });
    expect(eng.drainEvents()).toEqual([]);
    // the /16 goes too: the trade has no route left
    eng.routeChanged(reg.withdraw('192.0.2.11', '203.0.0.0/16')!, T0 + 6);
    expect(summary(eng.drain())).toEqual({ m2: { announce: [], withdraw: ['203.0.0.0/16'] } });
    expect(eng.drainEvents()).toEqual([{ type: 'TradeRouteLost', at: T0 + 6, tradeId: 'trd_1', prefixes: ['203.0.0.0/16'], remaining: 0 }]);
    learn('m1', '192.0.2.11', '203.0.113.0/24');
    expect(summary(eng.drain())).toEqual({ m2: { announce: ['203.0.113.0/24'], withdraw: [] } });
    expect(eng.drainEvents().map((e) => [e.type, 'prefixes' in e ? e.prefixes : []])).toEqual([['TradeRouteRestored', ['203.0.113.0/24']]]);
    // a rejected re-announcement (foreign next hop) is a loss, not an export
    learn('m1', '192.0.2.11', '203.0.113.0/24', { nextHop: '192.0.2.99' });
    expect(summary(eng.drain())).toEqual({ m2: { announce: [], withdraw: ['203.0.113.0/24'] } });
  });

  it('a trade starting while the seller announces nothing reports the loss, then the restoration', () => {
    const { reg } = labRegistry();
    const eng = new ExportEngine(reg, { rsAsn: RS });
    eng.upsertTrade(trade({ start: T0 }), T0);
    expect(eng.drainEvents().map((e) => e.type)).toEqual(['TradeExportStarted', 'TradeRouteLost']);
    eng.routeChanged(reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24')), T0 + 1);
    expect(eng.drainEvents().map((e) => e.type)).toEqual(['TradeRouteRestored']);
    expect(eng.exportsFor('m2').length).toBe(1);
  });

  it('honours the policies: noExport off, seller not receiving buyer prefixes; buyer prefix changes follow', () => {
    const { eng, reg, learn } = setup();
    reg.setPolicy('m2', { noExport: false });
    reg.setPolicy('m1', { receiveBuyerPrefixes: false });
    eng.upsertTrade(trade({ start: T0 }), T0);
    expect(eng.exportsFor('m2')[0].attrs.communities).toEqual([[65001, 100]]);
    expect(eng.exportsFor('m1')).toEqual([]);
    eng.drain();
    reg.setPolicy('m1', { receiveBuyerPrefixes: true });
    reg.setPolicy('m2', { noExport: true });
    eng.memberChanged('m1', T0);
    eng.memberChanged('m2', T0);
    expect(summary(eng.drain())).toEqual({ m1: { announce: ['192.0.2.0/24'], withdraw: [] }, m2: { announce: ['203.0.113.0/24'], withdraw: [] } });
    // the buyer registers another prefix it announces
    learn('m2', '192.0.2.12', '198.51.100.0/24', { asPath: seq(65002), nextHop: '192.0.2.12' });
    expect(eng.drain().size).toBe(0); // not registered yet
    reg.registerPrefix('m2', '198.51.100.0/24');
    eng.memberChanged('m2', T0);
    expect(summary(eng.drain())).toEqual({ m1: { announce: ['198.51.100.0/24'], withdraw: [] } });
  });

  it('one route per prefix: the earlier trade wins, shadowed trades are listed, same-source trades share the route', () => {
    const { reg, eng, learn } = setup();
    learn('m3', '192.0.2.13', '203.0.113.0/24', { asPath: seq(65003), nextHop: '192.0.2.13' });
    eng.upsertTrade(trade({ id: 'trd_b', sellerId: 'm3', start: T0 + 10 }), T0 + 10);
    eng.upsertTrade(trade({ id: 'trd_a', start: T0 + 20 }), T0 + 20);
    eng.upsertTrade(trade({ id: 'trd_c', start: T0 + 30 }), T0 + 30);
    const [r] = eng.exportsFor('m2');
    expect(r.source.memberId).toBe('m3');
    expect(r.reasons.map((x) => x.tradeId)).toEqual(['trd_b']);
    expect(r.shadowed.map((x) => x.tradeId)).toEqual(['trd_a', 'trd_c']);
    eng.drain();
    eng.upsertTrade(trade({ id: 'trd_b', sellerId: 'm3', start: T0 + 10, status: 'cancelled' }), T0 + 40);
    const [r2] = eng.exportsFor('m2');
    expect(r2.source.memberId).toBe('m1');
    expect(r2.reasons.map((x) => x.tradeId)).toEqual(['trd_a', 'trd_c']);
    expect(r2.attrs.largeCommunities.filter((c) => c[0] === RS).map((c) => c[2]).sort()).toEqual(
      [tradeNumber('trd_a'), tradeNumber('trd_c')].sort(),
    );
    // the cancelled trade's seller loses the buyer's prefix it received
    expect(summary(eng.drain())).toEqual({ m2: { announce: ['203.0.113.0/24'], withdraw: [] }, m3: { announce: [], withdraw: ['192.0.2.0/24'] } });
    expect(reg.size).toBe(5);
  });

  it('is deterministic: the same inputs in any order give the same export tables', () => {
    const run = (order: number[]) => {
      const { eng } = setup();
      const ts = [
        trade({ id: 't1', start: T0 }),
        trade({ id: 't2', destination: 'any', start: T0 }),
        trade({ id: 't3', buyerId: 'm1', sellerId: 'm2', destination: '192.0.2.0/24', start: T0 }),
      ];
      for (const i of order) eng.upsertTrade(ts[i], T0);
      return JSON.stringify(['m1', 'm2'].map((m) => eng.exportsFor(m)));
    };
    expect(run([0, 1, 2])).toBe(run([2, 1, 0]));
    expect(run([1, 0, 2])).toBe(run([0, 2, 1]));
  });

  it('IPv6 trades carry the IPv6 routes and prefixes only', () => {
    const { reg, eng, learn } = setup();
    learn('m1', '2001:db8:4a::11', '2001:db8:100::/48', { nextHop: '2001:db8:4a::11' });
    learn('m2', '2001:db8:4a::12', '2001:db8:200::/48', { asPath: seq(65002), nextHop: '2001:db8:4a::12' });
    reg.registerPrefix('m2', '2001:db8:200::/48');
    eng.upsertTrade(trade({ destination: '2001:db8:100::/40', protocol: 'ipv6', start: T0 }), T0);
    expect(eng.exportsFor('m2').map((r) => [r.prefix, r.attrs.nextHop])).toEqual([['2001:db8:100::/48', '2001:db8:4a::11']]);
    expect(eng.exportsFor('m1').map((r) => r.prefix)).toEqual(['2001:db8:200::/48']);
  });
});
