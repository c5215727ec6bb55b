/**
 * The seller-class walk (engine.ts takeClasses) against the plain definition of the rankings: a
 * taker buy with quality limits or a quality ranking must fill exactly as if every resting ask of
 * its covering books were read, the eligible ones sorted by the buyer's ranking and filled in that
 * order. Random books mix members, declared qualities (shared and distinct: classes of several
 * asks), prefix and traffic types, periods that do not contain the buy's, the buyer's own asks,
 * unmeasured, partly measured and unverified sellers, and several covering books (/16, /24, any).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, sequentialIds } from '../../src/lib/index.ts';
import { MarketEngine, type MatchQuality, type OrderSpec, type OrderView, type PortInfo, type TradeRecord } from '../../src/market/index.ts';
import { meetsLimits, qualityFrom, rankKey } from '../../src/market/quality-match.ts';
import type { Order } from '../../src/market/order.ts';
import type { QualityObservation } from '../../src/quality/quality-source.ts';

const T0 = Date.UTC(2026, 10, 1);
const DEC = Date.UTC(2026, 11, 1);
const MID = Date.UTC(2026, 11, 16);
const JAN = Date.UTC(2027, 0, 1);
const MEMBERS = ['a', 'b', 'c', 'd', 'e'];
const SELL_DESTS = ['any', '10.1.0.0/16', '10.1.2.0/24', '10.9.0.0/16'];
const BUY_DEST = '10.1.2.0/24';

const ask = fc.record({
  member: fc.constantFrom(...MEMBERS),
  dest: fc.constantFrom(...SELL_DESTS),
  cap: fc.integer({ min: 1, max: 4 }),
  block: fc.constantFrom(100, 200),
  price: fc.integer({ min: 95, max: 105 }),
  prefixType: fc.constantFrom('transit', 'transit', 'transit', 'peer'),
  trafficType: fc.constantFrom('any', 'any', 'any', 'video', 'web'),
  lateStart: fc.constantFrom(false, false, false, true),
  declared: fc.constantFrom(undefined, 0, 1, 2),
});

const buy = fc.record({
  member: fc.constantFrom(...MEMBERS),
  cap: fc.integer({ min: 1, max: 12 }),
  price: fc.integer({ min: 95, max: 106 }),
  ranking: fc.constantFrom('price', 'performance', 'weighted'),
  maxLatency: fc.option(fc.integer({ min: 10, max: 60 }), { nil: undefined, freq: 2 }),
  maxLoss: fc.option(fc.constantFrom(0.1, 0.5), { nil: undefined, freq: 2 }),
  verifiedOnly: fc.constantFrom(false, false, false, true),
  weights: fc.record({ latency: fc.constantFrom(0, 1000, 20_000), loss: fc.constantFrom(0, 50_000), distance: fc.constantFrom(0, 5000) }),
  trafficType: fc.constantFrom('any', 'video'),
});

const DECLARED = [
  { latencyMs: 20, lossPct: 0.1, asHops: 2 },
  { latencyMs: 40 },
  { lossPct: 0.3, asHops: 4 },
];

const measured = fc.dictionary(
  fc.constantFrom(...MEMBERS),
  fc.record({
    verified: fc.boolean(),
    latencyMs: fc.option(fc.integer({ min: 5, max: 70 }), { nil: undefined }),
    lossPct: fc.option(fc.constantFrom(0, 0.05, 0.2, 0.8), { nil: undefined }),
    asHops: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  }),
);

type Ask = typeof ask extends fc.Arbitrary<infer T> ? T : never;
type Buy = typeof buy extends fc.Arbitrary<infer T> ? T : never;

function lcm(a: number, b: number): number {
  const g = (x: number, y: number): number => (y === 0 ? x : g(y, x % y));
  return (a / g(a, b)) * b;
}

function scenario(asks: Ask[], buys: Buy[], measures: Record<string, { verified: boolean; latencyMs?: number; lossPct?: number; asHops?: number }>) {
  const clock = new ManualClock(T0);
  const ports = new Map<string, PortInfo>(MEMBERS.map((m) => [`p-${m}`, { memberId: m, capacityMbps: 1_000_000 }]));
  const obs = (m: string): QualityObservation | undefined => {
    const x = measures[m];
    return x ? { samples: 10, measuredAt: T0, ...x } : undefined;
  };
  const e = new MarketEngine({ clock, ids: sequentialIds(), quality: { lookup: (m, d) => (d === BUY_DEST ? obs(m) : undefined) }, ports: { port: (id) => ports.get(id) } });
  const resting: OrderView[] = [];
  for (const a of asks) {
    const d = a.declared === undefined ? undefined : DECLARED[a.declared];
    const spec: OrderSpec = {
      memberId: a.member, side: 'sell', destination: a.dest, protocol: 'ipv4', prefixType: a.prefixType as OrderSpec['prefixType'],
      trafficType: a.trafficType, capacityMbps: a.cap * a.block, minBlockMbps: a.block, price: a.price * 10_000, orderType: 'limit',
      timeInForce: 'GTC', start: a.lateStart ? MID : DEC, end: JAN, portId: `p-${a.member}`, ...(d ? { declared: d } : {}),
    };
    resting.push(e.submit(spec).order);
  }
  // The model: what each ask still has for the buy's period (every buy here has the same period).
  const free = new Map<string, number>(resting.map((o) => [o.id, o.capacityMbps]));
  for (const b of buys) {
    const limits = {
      ...(b.maxLatency !== undefined ? { maxLatencyMs: b.maxLatency } : {}),
      ...(b.maxLoss !== undefined ? { maxLossPct: b.maxLoss } : {}),
      ...(b.verifiedOnly ? { verifiedOnly: true } : {}),
    };
    const spec: OrderSpec = {
      memberId: b.member, side: 'buy', destination: BUY_DEST, protocol: 'ipv4', prefixType: 'transit', trafficType: b.trafficType,
      capacityMbps: b.cap * 100, minBlockMbps: 100, price: b.price * 10_000, orderType: 'limit', timeInForce: 'IOC', start: DEC, end: JAN,
      portId: `p-${b.member}`, ranking: b.ranking as OrderSpec['ranking'], ...(Object.keys(limits).length ? { limits } : {}),
      ...(b.ranking === 'weighted' ? { weights: b.weights } : {}),
    };
    // Expected: every eligible crossing ask of the covering books (not 10.9/16), sorted, filled in order.
    const cands = resting.filter((o) => {
      const s = o.spec;
      return free.get(o.id)! >= s.minBlockMbps && s.destination !== '10.9.0.0/16' && o.price <= spec.price && s.memberId !== spec.memberId &&
        s.prefixType === spec.prefixType && (s.trafficType === 'any' || s.trafficType === spec.trafficType) && s.start <= spec.start && s.end >= spec.end;
    }).map((o) => ({ o, q: qualityFrom(obs(o.spec.memberId), o as Order) }))
      .filter((c) => spec.limits === undefined || meetsLimits(c.q, spec.limits));
    let ranked: Array<{ o: OrderView; q: MatchQuality }>;
    if (b.ranking === 'price') ranked = cands.sort((x, y) => x.o.price - y.o.price || x.o.seq - y.o.seq);
    else {
      const keyed = cands.map((c) => ({ ...rankKey(c.o as Order, c.q, b.ranking as 'performance' | 'weighted', spec.weights), c }));
      keyed.sort((x, y) => b.ranking === 'performance'
        ? x.lat - y.lat || x.loss - y.loss || x.hops - y.hops || x.o.price - y.o.price || x.o.seq - y.o.seq
        : x.key - y.key || x.o.price - y.o.price || x.o.seq - y.o.seq);
      ranked = keyed.map((k) => k.c);
    }
    const expected: Array<[string, number, number, MatchQuality]> = [];
    let rem = spec.capacityMbps;
    for (const c of ranked) {
      if (rem < spec.minBlockMbps) break;
      const step = lcm(spec.minBlockMbps, c.o.spec.minBlockMbps);
      let q = Math.min(rem, free.get(c.o.id)!);
      q -= q % step;
      if (q <= 0) continue;
      expected.push([c.o.id, q, c.o.price, c.q]);
      free.set(c.o.id, free.get(c.o.id)! - q);
      rem -= q;
    }
    const got = e.submit(spec).events.filter((x) => x.type === 'TradeMatched').map((x) => (x as { trade: TradeRecord }).trade);
    expect(got.map((t) => [t.sellOrderId, t.capacityMbps, t.price, t.quality])).toEqual(expected);
  }
  return resting;
}

const A = { cap: 1, block: 100, prefixType: 'transit', trafficType: 'any', lateStart: false } as const;
const B = { cap: 2, maxLoss: undefined, verifiedOnly: false, weights: { latency: 1000, loss: 0, distance: 0 }, trafficType: 'any' } as const;

const BID_DESTS = ['10.1.2.0/24', '10.1.3.0/24', '10.1.0.0/16', '10.2.0.0/16', 'any'];
const SELL_TAKER_DESTS = ['10.1.0.0/16', 'any', '10.1.2.0/24'];

const bid = fc.record({
  member: fc.constantFrom(...MEMBERS),
  dest: fc.constantFrom(...BID_DESTS),
  cap: fc.integer({ min: 1, max: 4 }),
  block: fc.constantFrom(100, 200),
  price: fc.integer({ min: 95, max: 105 }),
  prefixType: fc.constantFrom('transit', 'transit', 'transit', 'peer'),
  trafficType: fc.constantFrom('any', 'any', 'video'),
  lateStart: fc.constantFrom(false, false, true),
  maxLatency: fc.option(fc.integer({ min: 10, max: 60 }), { nil: undefined }),
});

const sellTaker = fc.record({
  member: fc.constantFrom(...MEMBERS),
  dest: fc.constantFrom(...SELL_TAKER_DESTS),
  cap: fc.integer({ min: 1, max: 12 }),
  block: fc.constantFrom(100, 200),
  price: fc.integer({ min: 94, max: 105 }),
  trafficType: fc.constantFrom('any', 'video'),
  lateStart: fc.constantFrom(false, false, false, true),
  declared: fc.constantFrom(undefined, 0, 1),
});

type Bid = typeof bid extends fc.Arbitrary<infer T> ? T : never;
type SellTaker = typeof sellTaker extends fc.Arbitrary<infer T> ? T : never;

/** Taker sells take the crossing eligible bids of every covered book by price then time. */
function sellScenario(bids: Bid[], sells: SellTaker[], latency: Record<string, number>) {
  const clock = new ManualClock(T0);
  const ports = new Map<string, PortInfo>(MEMBERS.map((m) => [`p-${m}`, { memberId: m, capacityMbps: 1_000_000 }]));
  // Measured latency of a seller towards every destination (one figure; unmeasured otherwise).
  const obs = (m: string): QualityObservation | undefined => (latency[m] === undefined ? undefined : { verified: true, samples: 10, measuredAt: T0, latencyMs: latency[m] });
  const e = new MarketEngine({ clock, ids: sequentialIds(), quality: { lookup: (m) => obs(m) }, ports: { port: (id) => ports.get(id) } });
  const resting: OrderView[] = [];
  for (const x of bids) {
    const spec: OrderSpec = {
      memberId: x.member, side: 'buy', destination: x.dest, protocol: 'ipv4', prefixType: x.prefixType as OrderSpec['prefixType'],
      trafficType: x.trafficType, capacityMbps: x.cap * x.block, minBlockMbps: x.block, price: x.price * 10_000, orderType: 'limit',
      timeInForce: 'GTC', start: x.lateStart ? MID : DEC, end: JAN, portId: `p-${x.member}`,
      ...(x.maxLatency !== undefined ? { limits: { maxLatencyMs: x.maxLatency } } : {}),
    };
    resting.push(e.submit(spec).order);
  }
  const left = new Map<string, number>(resting.map((o) => [o.id, o.capacityMbps]));
  const covers = (outer: string, inner: string) => outer === 'any' || outer === inner || (outer === '10.1.0.0/16' && inner.startsWith('10.1.'));
  for (const t of sells) {
    const d = t.declared === undefined ? undefined : DECLARED[t.declared];
    const spec: OrderSpec = {
      memberId: t.member, side: 'sell', destination: t.dest, protocol: 'ipv4', prefixType: 'transit', trafficType: t.trafficType,
      capacityMbps: t.cap * t.block, minBlockMbps: t.block, price: t.price * 10_000, orderType: 'limit', timeInForce: 'IOC',
      start: t.lateStart ? MID : DEC, end: JAN, portId: `p-${t.member}`, ...(d ? { declared: d } : {}),
    };
    const ranked = resting.filter((o) => {
      const b = o.spec;
      if (left.get(o.id)! < b.minBlockMbps || !covers(spec.destination, b.destination) || o.price < spec.price || b.memberId === spec.memberId) return false;
      if (b.prefixType !== spec.prefixType || (spec.trafficType !== 'any' && spec.trafficType !== b.trafficType) || spec.start > b.start || spec.end < b.end) return false;
      return b.limits === undefined || meetsLimits(qualityFrom(obs(spec.memberId), { spec } as Order), b.limits);
    }).sort((x, y) => y.price - x.price || x.seq - y.seq);
    const expected: Array<[string, number, number]> = [];
    let rem = spec.capacityMbps;
    for (const o of ranked) {
      if (rem < spec.minBlockMbps) break;
      const step = lcm(spec.minBlockMbps, o.spec.minBlockMbps);
      let q = Math.min(rem, left.get(o.id)!);
      q -= q % step;
      if (q <= 0) continue;
      expected.push([o.id, q, o.price]);
      left.set(o.id, left.get(o.id)! - q);
      rem -= q;
    }
    const got = e.submit(spec).events.filter((x) => x.type === 'TradeMatched').map((x) => (x as { trade: TradeRecord }).trade);
    expect(got.map((tr) => [tr.buyOrderId, tr.capacityMbps, tr.price])).toEqual(expected);
  }
}

describe('taker sell walk (covered books joined by best bid)', () => {
  it('fills exactly as sorting every eligible crossing bid of the covered books by price then time', () => {
    fc.assert(
      fc.property(
        fc.array(bid, { minLength: 1, maxLength: 50 }),
        fc.array(sellTaker, { minLength: 1, maxLength: 5 }),
        fc.dictionary(fc.constantFrom(...MEMBERS), fc.integer({ min: 5, max: 70 })),
        (bids, sells, lat) => sellScenario(bids, sells, lat),
      ),
      { numRuns: 600 },
    );
  });

  it('a book joining at the price of the current head still ranks by time', () => {
    const B0 = { cap: 1, block: 100, prefixType: 'transit', trafficType: 'any', lateStart: false, maxLatency: undefined } as const;
    sellScenario(
      [
        { ...B0, member: 'b', dest: '10.1.2.0/24', price: 100 },
        { ...B0, member: 'c', dest: '10.1.3.0/24', price: 101 },
        { ...B0, member: 'b', dest: '10.1.2.0/24', price: 101 },
      ],
      [{ member: 'a', dest: '10.1.0.0/16', cap: 3, block: 100, price: 99, trafficType: 'any', lateStart: false, declared: undefined }],
      {},
    );
  });
});

describe('ranking walk (seller classes)', () => {
  it('fills exactly as sorting every eligible crossing ask by the ranking', () => {
    fc.assert(
      fc.property(fc.array(ask, { minLength: 5, maxLength: 60 }), fc.array(buy, { minLength: 1, maxLength: 5 }), measured, (asks, buys, m) => {
        scenario(asks, buys, m);
      }),
      { numRuns: 1000 },
    );
  });

  it('a class entering at the price of a class already looked up still ranks by time', () => {
    // c's first ask (96) resolves c's class; at 98, d's older ask must still go before c's newer one.
    for (const ranking of ['price', 'weighted'] as const) {
      scenario(
        [
          { ...A, member: 'c', dest: 'any', price: 96, declared: 0 as const },
          { ...A, member: 'd', dest: '10.1.0.0/16', price: 98, declared: 0 as const },
          { ...A, member: 'c', dest: 'any', price: 98, declared: 0 as const },
        ],
        [{ ...B, member: 'a', price: 100, ranking, maxLatency: 30 }],
        {},
      );
    }
  });

  it('skips a whole class that fails the limits and still ranks the rest (example)', () => {
    scenario(
      [
        { member: 'b', dest: 'any', cap: 2, block: 100, price: 95, prefixType: 'transit', trafficType: 'any', lateStart: false, declared: 1 },
        { member: 'b', dest: '10.1.0.0/16', cap: 2, block: 100, price: 96, prefixType: 'transit', trafficType: 'any', lateStart: false, declared: 1 },
        { member: 'c', dest: '10.1.2.0/24', cap: 2, block: 100, price: 99, prefixType: 'transit', trafficType: 'any', lateStart: false, declared: 0 },
        { member: 'd', dest: 'any', cap: 2, block: 200, price: 97, prefixType: 'transit', trafficType: 'any', lateStart: false, declared: 0 },
      ],
      [{ member: 'a', cap: 6, price: 100, ranking: 'weighted', maxLatency: 30, maxLoss: undefined, verifiedOnly: false, weights: { latency: 1000, loss: 0, distance: 0 }, trafficType: 'any' }],
      { d: { verified: true, latencyMs: 25 } },
    );
  });

  it("a member's classes share one quality only when every figure is measured (example)", () => {
    // b measures latency only: its two classes' declared loss and distance still differ (one
    // passes maxLoss 0.1, the other does not; each trade records its own class's figures). c
    // measures every figure: its declarations play no part.
    const asks = [
      { ...A, member: 'b', dest: 'any', cap: 2, price: 95, declared: 2 as const },
      { ...A, member: 'b', dest: '10.1.0.0/16', cap: 2, price: 96, declared: 0 as const },
      { ...A, member: 'c', dest: 'any', cap: 2, price: 97, declared: 2 as const },
      { ...A, member: 'c', dest: '10.1.2.0/24', cap: 2, price: 98, declared: 0 as const },
    ];
    const measures = { b: { verified: true, latencyMs: 20 }, c: { verified: true, latencyMs: 30, lossPct: 0.05, asHops: 3 } };
    for (const ranking of ['price', 'performance', 'weighted'] as const) {
      scenario(asks, [{ ...B, member: 'a', cap: 8, price: 100, ranking, maxLatency: 40, maxLoss: 0.1 }], measures);
      scenario(asks, [{ ...B, member: 'a', cap: 8, price: 100, ranking, maxLatency: 40 }], measures);
    }
  });
});
