// End to end with real daemons on an exchange LAN built from network namespaces (INTEROP.md):
// BIRD as the seller (AS65001) and as a buyer (AS65002), FRR as a second buyer (AS65004), ExaBGP as a
// rogue member (AS65003) sending exactly the bad routes an IXP route server must stop. Every member
// router runs the neighbor configuration bandex generates (`bandex port config`). The route server is
// src/bgp's speaker driven by the arbiter, in this process, on the LAN through a veth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpeaker, type Speaker } from '../../src/bgp/speaker.ts';
import { createArbiter, type Arbiter, type TradeSource } from '../../src/arbiter/arbiter.ts';
import type { ArbiterEvent } from '../../src/arbiter/export-policy.ts';
import { tradeNumber, type TradeView } from '../../src/arbiter/trade-view.ts';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { createImportFilter } from '../../src/registry/route-filter.ts';
import { createRoaSet } from '../../src/registry/route-rpki.ts';
import { RouteRegistry } from '../../src/registry/route-registry.ts';
import type { MemberRouting } from '../../src/registry/route-model.ts';
import { waitFor } from '../bgp/harness/proc.ts';
import type { ObservedRoute } from '../bgp/harness/types.ts';
import { createLabNet, type LabNet } from './lab/netns.ts';
import { startBirdRouter, startExabgpRouter, startFrrRouter, type Router } from './lab/routers.ts';

const RS_ASN = 64999;
const RS_PORT = 12790;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const H = 3_600_000;
const NO_EXPORT: [number, number] = [65535, 65281];

let lab: LabNet;
let speaker: Speaker;
let arbiter: Arbiter;
let registry: RouteRegistry;
const clock = new ManualClock(T0);
const events: ArbiterEvent[] = [];
const routers: Array<{ stop(): Promise<void> }> = [];
let seller: Router & { birdc(...a: string[]): Promise<string> };
let buyer: Router & { birdc(...a: string[]): Promise<string> };
let frrBuyer: Router;

const trades = new Map<string, TradeView>();
const tradeSubs: Array<(t: TradeView) => void> = [];
const tradeSource: TradeSource = {
  list: () => [...trades.values()],
  subscribe(fn) {
    tradeSubs.push(fn);
    return () => tradeSubs.splice(tradeSubs.indexOf(fn), 1);
  },
};
function putTrade(t: TradeView): void {
  trades.set(t.id, t);
  for (const f of tradeSubs) f(t);
}

const ROGUE_ROUTES = [
  { prefix: '100.31.0.0/24', nextHop: '192.0.2.190', asPath: [65003], why: 'NEXT_HOP_NOT_MEMBER_ROUTER' },
  { prefix: '100.32.0.0/24', nextHop: 'self', asPath: [65009, 65003], why: 'FIRST_AS_NOT_MEMBER' },
  { prefix: '10.3.0.0/16', nextHop: 'self', asPath: [65003], why: 'BOGON_PREFIX' },
  { prefix: '100.34.0.0/24', nextHop: 'self', asPath: [65003], why: 'RPKI_INVALID' },
  { prefix: '100.35.0.0/24', nextHop: 'self', asPath: [65003, 4200000035], why: '' },
  { prefix: '100.36.0.0/24', nextHop: 'self', asPath: [65003, 4200000036], why: '' },
  { prefix: '100.37.0.0/24', nextHop: 'self', asPath: [65003, 4200000037], why: '' },
];

const trade = (o: Partial<TradeView> & Pick<TradeView, 'id' | 'buyerId' | 'sellerId' | 'destination'>): TradeView => ({
  protocol: 'ipv4',
  start: T0 + H,
  end: T0 + 2 * H,
  status: 'scheduled',
  ...o,
});

async function fromRs(r: Router, fam: 4 | 6): Promise<ObservedRoute[]> {
  return (await r.received(fam)).sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
}

async function waitRoutes(r: Router, fam: 4 | 6, want: string[], what: string): Promise<ObservedRoute[]> {
  let last: string[] = [];
  try {
    return await waitFor(
      what,
      async () => {
        const got = await fromRs(r, fam);
        last = got.map((x) => x.prefix);
        return JSON.stringify(last) === JSON.stringify([...want].sort()) ? got : undefined;
      },
      20_000,
      150,
    );
  } catch (e) {
    throw new Error(`${String(e)}; last seen ${JSON.stringify(last)}`, { cause: e });
  }
}

beforeAll(async () => {
  lab = createLabNet('e', '192.0.2', 128, '2001:db8:4a:e');
  const r1 = lab.addRouter(1);
  const r2 = lab.addRouter(2);
  const r3 = lab.addRouter(3);
  const r4 = lab.addRouter(4);
  const reporter = createReporter({ destination: false });
  registry = new RouteRegistry({
    clock,
    filter: createImportFilter({ bogons: { allowDocumentationPrefixes: true, allowPrivateAsns: true } }),
  });
  registry.setRoas(createRoaSet([{ asn: 65099, prefix: '100.34.0.0/16', maxLength: 24 }]));
  registry.setPolicy('m3', { maxPrefixes: { ipv4: 2, ipv6: 10 } });
  registry.registerPrefix('m2', '100.2.0.0/24');
  registry.registerPrefix('m2', '2001:db8:200::/48');
  const members: MemberRouting[] = [
    { memberId: 'm1', asns: [65001], routers: [r1.v4, r1.v6] },
    { memberId: 'm2', asns: [65002], routers: [r2.v4, r2.v6] },
    { memberId: 'm3', asns: [65003], routers: [r3.v4] },
    { memberId: 'm4', asns: [65004], routers: [r4.v4] },
  ];
  speaker = createSpeaker({}, { asn: RS_ASN, routerId: lab.rs4, listen: { host: '::', port: RS_PORT }, routeServer: true, holdTime: 30 });
  arbiter = createArbiter(
    {
      clock,
      reporter,
      speaker,
      registry,
      members: { list: () => members, subscribe: () => () => undefined },
      trades: tradeSource,
      onEvent: (e) => events.push(e),
    },
    { asn: RS_ASN, peerPort: 179 },
  );
  await arbiter.start();
  const common = { rsAsn: RS_ASN, rs4: lab.rs4, rs6: lab.rs6, rsPort: RS_PORT };
  seller = await startBirdRouter(r1, {
    ...common,
    asn: 65001,
    routes: [{ prefix: '203.0.113.0/24' }, { prefix: '198.51.100.0/24', path: [4200000001] }, { prefix: '2001:db8:100::/48' }],
  });
  routers.push(seller);
  buyer = await startBirdRouter(r2, { ...common, asn: 65002, routes: [{ prefix: '100.2.0.0/24' }, { prefix: '2001:db8:200::/48' }] });
  routers.push(buyer);
  routers.push(
    await startExabgpRouter(r3, {
      asn: 65003,
      rsAsn: RS_ASN,
      rs4: lab.rs4,
      rsPort: RS_PORT,
      routes: ROGUE_ROUTES.map((x) => ({ prefix: x.prefix, nextHop: x.nextHop === 'self' ? r3.v4 : x.nextHop, asPath: x.asPath })),
    }),
  );
  frrBuyer = await startFrrRouter(r4, { ...common, asn: 65004, routes: [] });
  routers.push(frrBuyer);
  // every session up and every member route filed
  await waitFor(
    'all member sessions Established',
    () => (speaker.peers().every((p) => p.state === 'Established') ? true : undefined),
    40_000,
    200,
  );
  await waitFor('member routes in the registry', () => (registry.size >= 3 + 2 + ROGUE_ROUTES.length ? true : undefined), 20_000, 100);
}, 90_000);

afterAll(async () => {
  await arbiter?.stop();
  for (const r of routers) await r.stop().catch(() => undefined);
  lab?.destroy();
}, 60_000);

describe('route server end to end (BIRD, FRR, ExaBGP on an exchange LAN)', () => {
  it('files every member route with its verdict; the rogue routes are rejected with their reasons', () => {
    const rogue = registry.routes({ member: 'm3' });
    const byPrefix = new Map(rogue.map((r) => [r.prefix, r]));
    for (const x of ROGUE_ROUTES.filter((r) => r.why)) {
      expect([x.prefix, byPrefix.get(x.prefix)?.reasons]).toEqual([x.prefix, [x.why]]);
    }
    const good = ROGUE_ROUTES.filter((r) => !r.why).map((r) => byPrefix.get(r.prefix)!);
    expect(good.filter((r) => r.status === 'accepted').length).toBe(2);
    expect(good.filter((r) => r.reasons.includes('MAX_PREFIX_EXCEEDED')).length).toBe(1);
    const sellerRoute = registry.routes({ member: 'm1', prefix: '203.0.113.0/24' })[0];
    expect(sellerRoute.status).toBe('accepted');
    expect(sellerRoute.attrs.nextHop).toBe('192.0.2.130');
    expect(registry.routes({ member: 'm1', prefix: '2001:db8:100::/48' })[0]?.attrs.nextHop).toBe('2001:db8:4a:e::2');
  });

  it('exports nothing before a trade (RFC 8212 default deny)', async () => {
    putTrade(trade({ id: 'trd_web', buyerId: 'm2', sellerId: 'm1', destination: '203.0.113.0/24' }));
    putTrade(trade({ id: 'trd_any', buyerId: 'm2', sellerId: 'm3', destination: 'any' }));
    putTrade(trade({ id: 'trd_v6', buyerId: 'm2', sellerId: 'm1', destination: '2001:db8:100::/40', protocol: 'ipv6' }));
    putTrade(trade({ id: 'trd_frr', buyerId: 'm4', sellerId: 'm1', destination: '203.0.113.0/24' }));
    arbiter.tick();
    await new Promise((r) => setTimeout(r, 1500)); // time for anything wrongly sent to arrive
    expect(await fromRs(buyer, 4)).toEqual([]);
    expect(await fromRs(buyer, 6)).toEqual([]);
    expect(await fromRs(frrBuyer, 4)).toEqual([]);
    expect(await fromRs(seller, 4)).toEqual([]);
  });

  it('at the period start the buyers get the seller routes with its next hop, AS path and the trade communities', async () => {
    clock.set(T0 + H);
    arbiter.tick();
    const rogueGood = registry.routes({ member: 'm3', status: 'accepted' }).map((r) => r.prefix);
    const v4 = await waitRoutes(buyer, 4, ['203.0.113.0/24', ...rogueGood], 'buyer BIRD IPv4 routes');
    const web = v4.find((r) => r.prefix === '203.0.113.0/24')!;
    expect(web.nextHop).toBe('192.0.2.130');
    expect(web.asPath).toEqual([65001]);
    expect(web.communities).toContainEqual(NO_EXPORT);
    expect(web.largeCommunities).toEqual([[RS_ASN, 1, tradeNumber('trd_web')]]);
    for (const r of v4.filter((x) => x.prefix !== '203.0.113.0/24')) {
      expect(r.nextHop).toBe('192.0.2.132');
      expect(r.largeCommunities).toEqual([[RS_ASN, 1, tradeNumber('trd_any')]]);
    }
    const v6 = await waitRoutes(buyer, 6, ['2001:db8:100::/48'], 'buyer BIRD IPv6 route');
    expect(v6[0].nextHop).toBe('2001:db8:4a:e::2');
    expect(v6[0].largeCommunities).toEqual([[RS_ASN, 1, tradeNumber('trd_v6')]]);
    const frr = await waitRoutes(frrBuyer, 4, ['203.0.113.0/24'], 'buyer FRR route');
    expect(frr[0].nextHop).toBe('192.0.2.130');
    expect(frr[0].asPath).toEqual([65001]);
    expect(frr[0].largeCommunities).toEqual([[RS_ASN, 1, tradeNumber('trd_frr')]]);
    expect(frr[0].communities).toContainEqual(NO_EXPORT);
    // the seller receives the buyer's registered prefix, tagged for its trade
    const toSeller = await waitRoutes(seller, 4, ['100.2.0.0/24'], 'seller receives the buyer prefix');
    expect(toSeller[0].nextHop).toBe('192.0.2.131');
    expect(toSeller[0].largeCommunities).toEqual([[RS_ASN, 2, tradeNumber('trd_web')]]);
    await waitRoutes(seller, 6, ['2001:db8:200::/48'], 'seller receives the buyer IPv6 prefix');
  });

  it('a session reset re-sends exactly the active trades routes', async () => {
    const before = JSON.stringify(await fromRs(buyer, 4));
    const transitions: string[] = [];
    const onState = (e: { peer: string; to: string }) => {
      if (e.peer === '192.0.2.131') transitions.push(e.to);
    };
    speaker.on('state', onState);
    await buyer.birdc('restart', 'bandex_rs_v4_lab');
    await waitFor('buyer session reset and back', () => (transitions.at(-1) === 'Established' ? true : undefined), 30_000, 100);
    speaker.off('state', onState);
    expect(transitions[0]).not.toBe('Established'); // it did go down first
    const after = await waitRoutes(buyer, 4, JSON.parse(before).map((r: ObservedRoute) => r.prefix), 'routes back after reset');
    expect(JSON.stringify(after)).toBe(before);
  });

  it('the buyer loses the route when the seller withdraws it (TradeRouteLost) and gets it back (TradeRouteRestored)', async () => {
    events.length = 0;
    await seller.birdc('disable', 'own4');
    await waitRoutes(frrBuyer, 4, [], 'FRR buyer loses the route');
    await waitFor('TradeRouteLost', () => (events.some((e) => e.type === 'TradeRouteLost' && e.tradeId === 'trd_web') ? true : undefined), 10_000, 100);
    await seller.birdc('enable', 'own4');
    await waitRoutes(frrBuyer, 4, ['203.0.113.0/24'], 'FRR buyer gets it back');
    expect(events.some((e) => e.type === 'TradeRouteRestored' && e.tradeId === 'trd_frr')).toBe(true);
  });

  it('at the period end every traded route is withdrawn', async () => {
    clock.set(T0 + 2 * H);
    arbiter.tick();
    await waitRoutes(buyer, 4, [], 'buyer IPv4 empty');
    await waitRoutes(buyer, 6, [], 'buyer IPv6 empty');
    await waitRoutes(frrBuyer, 4, [], 'FRR buyer empty');
    await waitRoutes(seller, 4, [], 'seller empty');
    // the rejected routes never reached anyone at any point
    for (const r of [buyer, frrBuyer]) expect((await fromRs(r, 4)).length).toBe(0);
  });
});
