/** Matching semantics as tables of cases (SPEC B3, B4): what trades a member sees for an order. */
import { describe, expect, it, vi } from 'vitest';
import { DEC, Fixture, JAN, MID_DEC } from './fixture.ts';
import type { OrderInput } from '../../src/market/index.ts';

type O = Partial<OrderInput> & { member: string };
interface Case {
  name: string;
  sells: O[];
  buy: O;
  /** Expected trades in order: [index of the sell, Mbps, price]. */
  trades: Array<[number, number, string]>;
  setup?: (f: Fixture) => void;
}

const b = (member: string, x: Partial<OrderInput> = {}): O => ({ member, ...x });

const cases: Case[] = [
  { name: 'same destination, prices cross: trade at the resting price', sells: [b('a', { price: '0.80' })], buy: b('b', { price: '1.00' }), trades: [[0, 1000, '0.8']] },
  { name: 'prices do not cross: no trade', sells: [b('a', { price: '1.20' })], buy: b('b', { price: '1.00' }), trades: [] },
  { name: 'a covering prefix serves a more specific buy', sells: [b('a', { destination: '10.0.0.0/8' })], buy: b('b', { destination: '10.1.2.0/24' }), trades: [[0, 1000, '1']] },
  { name: 'a more specific sell does not serve a wider buy', sells: [b('a', { destination: '10.1.0.0/16' })], buy: b('b', { destination: '10.0.0.0/8' }), trades: [] },
  { name: 'a sibling prefix does not serve', sells: [b('a', { destination: '10.2.0.0/16' })], buy: b('b', { destination: '10.1.0.0/16' }), trades: [] },
  { name: '"any" covers every IPv4 prefix', sells: [b('a', { destination: 'any', protocol: 'ipv4' })], buy: b('b', { destination: '192.0.2.0/24' }), trades: [[0, 1000, '1']] },
  { name: '"any" of IPv4 does not serve IPv6', sells: [b('a', { destination: 'any', protocol: 'ipv4' })], buy: b('b', { destination: '2001:db8::/32' }), trades: [] },
  { name: 'a specific sell does not serve a buy for "any"', sells: [b('a', { destination: '0.0.0.0/1' })], buy: b('b', { destination: 'any', protocol: 'ipv4' }), trades: [] },
  { name: 'IPv6 covering prefix', sells: [b('a', { destination: '2001:db8::/32' })], buy: b('b', { destination: '2001:db8:1::/48' }), trades: [[0, 1000, '1']] },
  { name: 'best price first across covering books', sells: [b('a', { destination: '10.0.0.0/8', price: '0.90' }), b('c', { destination: '10.1.0.0/16', price: '0.70' })], buy: b('b', { destination: '10.1.1.0/24', capacityMbps: 2000 }), trades: [[1, 1000, '0.7'], [0, 1000, '0.9']] },
  { name: 'time priority at one price', sells: [b('a', { price: '0.90' }), b('c', { price: '0.90' })], buy: b('b', { capacityMbps: 1500, minBlockMbps: 500 }), trades: [[0, 1000, '0.9'], [1, 500, '0.9']] },
  { name: 'prefix type must be equal', sells: [b('a', { prefixType: 'customer' })], buy: b('b', { prefixType: 'transit' }), trades: [] },
  { name: 'a seller of one traffic type does not serve "any"', sells: [b('a', { trafficType: 'video' })], buy: b('b'), trades: [] },
  { name: 'a seller of "any" traffic serves a typed buy', sells: [b('a')], buy: b('b', { trafficType: 'video' }), trades: [[0, 1000, '1']] },
  { name: 'the sell period must contain the buy period', sells: [b('a', { start: DEC, end: MID_DEC })], buy: b('b'), trades: [] },
  { name: 'a buy inside the sell period matches', sells: [b('a')], buy: b('b', { start: MID_DEC, end: JAN }), trades: [[0, 1000, '1']] },
  { name: 'fills are multiples of both blocks (lcm)', sells: [b('a', { capacityMbps: 900, minBlockMbps: 300 })], buy: b('b', { capacityMbps: 1000, minBlockMbps: 200 }), trades: [[0, 600, '1']] },
  { name: 'no fill smaller than a block', sells: [b('a', { capacityMbps: 400, minBlockMbps: 400 })], buy: b('b', { capacityMbps: 300 }), trades: [] },
  { name: 'a member never trades with itself', sells: [b('b')], buy: b('b'), trades: [] },
  {
    name: 'measured quality must meet the limit; the cheaper slow seller is skipped',
    sells: [b('a', { price: '0.50' }), b('c', { price: '0.90' })],
    buy: b('b', { quality: { maxLatencyMs: 20 } }),
    setup: (f) => {
      f.measure('a', '10.0.0.0/8', { latencyMs: 35 });
      f.measure('c', '10.0.0.0/8', { latencyMs: 12 });
    },
    trades: [[1, 1000, '0.9']],
  },
  {
    name: 'quality is looked up towards the buy destination',
    sells: [b('a', { destination: 'any', protocol: 'ipv4' })],
    buy: b('b', { destination: '192.0.2.0/24', quality: { maxLossPct: 1 } }),
    setup: (f) => f.measure('a', '192.0.2.0/24', { lossPct: 3 }),
    trades: [],
  },
  { name: 'declared values serve until measured (unverified)', sells: [b('a', { quality: { latencyMs: 10 } })], buy: b('b', { quality: { maxLatencyMs: 20 } }), trades: [[0, 1000, '1']] },
  { name: 'verifiedOnly refuses declared values', sells: [b('a', { quality: { latencyMs: 10 } })], buy: b('b', { quality: { maxLatencyMs: 20, verifiedOnly: true } }), trades: [] },
  {
    name: 'a measurement overrides the declaration',
    sells: [b('a', { quality: { latencyMs: 5 } })],
    buy: b('b', { quality: { maxLatencyMs: 20 } }),
    setup: (f) => f.measure('a', '10.0.0.0/8', { latencyMs: 50 }),
    trades: [],
  },
  { name: 'a limit on an unknown figure is not met', sells: [b('a', { quality: { latencyMs: 5 } })], buy: b('b', { quality: { maxAsHops: 3 } }), trades: [] },
  {
    name: 'performance ranking: lowest latency first, whatever the price',
    sells: [b('a', { price: '0.50' }), b('c', { price: '0.90' })],
    buy: b('b', { ranking: 'performance', capacityMbps: 1000 }),
    setup: (f) => {
      f.measure('a', '10.0.0.0/8', { latencyMs: 30, lossPct: 0, asHops: 2 });
      f.measure('c', '10.0.0.0/8', { latencyMs: 10, lossPct: 0, asHops: 4 });
    },
    trades: [[1, 1000, '0.9']],
  },
  {
    name: 'performance ranking: loss breaks a latency tie, then distance',
    sells: [b('a'), b('c'), b('d')],
    buy: b('b', { ranking: 'performance', capacityMbps: 3000 }),
    setup: (f) => {
      f.measure('a', '10.0.0.0/8', { latencyMs: 10, lossPct: 0.5, asHops: 1 });
      f.measure('c', '10.0.0.0/8', { latencyMs: 10, lossPct: 0.1, asHops: 3 });
      f.measure('d', '10.0.0.0/8', { latencyMs: 10, lossPct: 0.1, asHops: 2 });
    },
    trades: [[2, 1000, '1'], [1, 1000, '1'], [0, 1000, '1']],
  },
  {
    name: 'weighted ranking: effective price = price + weight × latency',
    sells: [b('a', { price: '1.00' }), b('c', { price: '1.20' })],
    buy: b('b', { ranking: 'weighted', weights: { latency: '0.01' }, price: '2.00' }),
    setup: (f) => {
      f.measure('a', '10.0.0.0/8', { latencyMs: 30 }); // 1.00 + 0.30 = 1.30
      f.measure('c', '10.0.0.0/8', { latencyMs: 5 }); // 1.20 + 0.05 = 1.25
    },
    trades: [[1, 1000, '1.2']],
  },
  {
    name: 'weighted ranking with a zero weight is price ranking',
    sells: [b('a', { price: '1.00' }), b('c', { price: '1.20' })],
    buy: b('b', { ranking: 'weighted', weights: { latency: '0' }, price: '2.00' }),
    setup: (f) => {
      f.measure('a', '10.0.0.0/8', { latencyMs: 30 });
      f.measure('c', '10.0.0.0/8', { latencyMs: 5 });
    },
    trades: [[0, 1000, '1']],
  },
  { name: 'IOC takes what is there', sells: [b('a', { capacityMbps: 600 })], buy: b('b', { timeInForce: 'IOC' }), trades: [[0, 600, '1']] },
  { name: 'FOK all or nothing: not enough, nothing trades', sells: [b('a', { capacityMbps: 600 }), b('c', { capacityMbps: 300 })], buy: b('b', { timeInForce: 'FOK' }), trades: [] },
  { name: 'FOK filled from two sellers', sells: [b('a', { capacityMbps: 600 }), b('c', { capacityMbps: 400 })], buy: b('b', { timeInForce: 'FOK' }), trades: [[0, 600, '1'], [1, 400, '1']] },
  {
    name: 'market order stops at its price guard',
    sells: [b('a', { price: '0.90' }), b('c', { price: '1.10' })],
    buy: b('b', { orderType: 'market', price: undefined, priceGuard: '1.00', capacityMbps: 2000 }),
    trades: [[0, 1000, '0.9']],
  },
  {
    name: 'seller port capacity caps the fill',
    sells: [b('a', { capacityMbps: 1000 })],
    buy: b('b'),
    setup: (f) => f.ports.set('p-a', { memberId: 'a', capacityMbps: 1000 }),
    trades: [[0, 1000, '1']],
  },
  {
    name: 'buyer port capacity caps the fill',
    sells: [b('a', { capacityMbps: 1000 })],
    buy: b('b', { capacityMbps: 500 }),
    setup: (f) => f.ports.set('p-b', { memberId: 'b', capacityMbps: 500 }),
    trades: [[0, 500, '1']],
  },
];

describe('matching a taker buy', () => {
  for (const c of cases) {
    it(c.name, () => {
      const f = new Fixture();
      c.setup?.(f);
      const sells = c.sells.map(({ member, ...x }) => f.sell(member, x).order);
      const { member, ...bx } = c.buy;
      const r = f.buy(member, bx);
      const got = r.trades.map((t) => [sells.findIndex((s) => s.id === t.sellOrderId), t.capacityMbps, (t.price / 1e6).toString()]);
      expect(got).toEqual(c.trades);
      for (const t of r.trades) {
        expect(t.buyOrderId).toBe(r.order.id);
        expect(t.destination).toBe(r.order.spec.destination);
        expect(t.aggressor).toBe('buy');
      }
    });
  }
});

describe('a taker sell against resting buys', () => {
  it('takes buys by price then time, at the resting buy price, whatever their ranking', () => {
    const f = new Fixture();
    const b1 = f.buy('b', { price: '1.00', ranking: 'performance' }).order;
    const b2 = f.buy('c', { price: '1.50' }).order;
    const b3 = f.buy('d', { price: '1.00' }).order;
    const r = f.sell('a', { capacityMbps: 3000, price: '0.50', destination: '10.0.0.0/8' });
    expect(r.trades.map((t) => [t.buyOrderId, t.price, t.aggressor])).toEqual([
      [b2.id, 1_500_000, 'sell'],
      [b1.id, 1_000_000, 'sell'],
      [b3.id, 1_000_000, 'sell'],
    ]);
    expect(r.order.status).toBe('filled');
  });

  it('serves buys for more specific prefixes, and never wider ones', () => {
    const f = new Fixture();
    const narrow = f.buy('b', { destination: '10.9.0.0/16' }).order;
    f.buy('c', { destination: '0.0.0.0/0' });
    const r = f.sell('a', { destination: '10.0.0.0/8', capacityMbps: 2000 });
    expect(r.trades.map((t) => t.buyOrderId)).toEqual([narrow.id]);
  });

  it('checks the resting buyer quality limits against the seller', () => {
    const f = new Fixture();
    f.buy('b', { quality: { maxLatencyMs: 10 } });
    f.measure('a', '10.0.0.0/8', { latencyMs: 40 });
    expect(f.sell('a').trades).toHaveLength(0);
    f.measure('c', '10.0.0.0/8', { latencyMs: 4 });
    const t = f.sell('c').trades;
    expect(t).toHaveLength(1);
    expect(t[0].quality).toEqual({ latencyMs: 4, verified: true });
  });
});

describe('capacity timeline and ports', () => {
  it('sells a December offer in halves to two buyers, then only what is left', () => {
    const f = new Fixture();
    const s = f.sell('a', { capacityMbps: 10_000, minBlockMbps: 1000 }).order;
    expect(f.buy('b', { capacityMbps: 4000, end: MID_DEC }).trades[0].capacityMbps).toBe(4000);
    expect(f.buy('c', { capacityMbps: 8000, start: MID_DEC }).trades[0].capacityMbps).toBe(8000);
    // Left: 6000 in the first half, 2000 in the second, so 2000 for the whole month.
    expect(f.buy('d', { capacityMbps: 5000, end: MID_DEC, timeInForce: 'IOC' }).trades[0].capacityMbps).toBe(5000);
    // Now 1000 / 2000 left: a whole-month buy gets 1000.
    expect(f.buy('e', { capacityMbps: 9000, timeInForce: 'IOC' }).trades[0].capacityMbps).toBe(1000);
    expect(s.status).toBe('open');
    expect(f.buy('e', { capacityMbps: 1000, end: MID_DEC, timeInForce: 'IOC' }).trades).toHaveLength(0);
    expect(f.buy('c', { capacityMbps: 3000, start: MID_DEC, timeInForce: 'IOC' }).trades[0].capacityMbps).toBe(1000);
    expect(s.status).toBe('filled');
    expect(f.engine.depth('10.0.0.0/8', 'ipv4').asks).toEqual([]);
  });

  it('reserves port capacity over the period and releases it when the trade ends', () => {
    const f = new Fixture();
    f.ports.set('p-a', { memberId: 'a', capacityMbps: 5000 });
    f.sell('a', { destination: '10.0.0.0/8', capacityMbps: 5000 });
    f.sell('a', { destination: '172.16.0.0/12', capacityMbps: 5000, end: '2027-02-01T00:00:00Z' });
    expect(f.buy('b', { destination: '10.0.0.0/8', capacityMbps: 5000 }).trades).toHaveLength(1);
    // December is full on port p-a; January is free.
    expect(f.buy('c', { destination: '172.16.0.0/12', capacityMbps: 5000, timeInForce: 'IOC' }).trades).toHaveLength(0);
    const jan = f.buy('c', { destination: '172.16.0.0/12', capacityMbps: 5000, start: JAN, end: '2027-02-01T00:00:00Z' });
    expect(jan.trades).toHaveLength(1);
  });

  it('a taker whose port is full stops reading the book, but a sell still fills where its port is free', () => {
    const f = new Fixture(['a', 'b', 'c', ...Array.from({ length: 50 }, (_, i) => `m${i}`)]);
    f.ports.set('p-a', { memberId: 'a', capacityMbps: 1000 });
    // p-a is full in December only (a January sell of a's stays unsold)
    f.sell('a', { destination: '10.0.0.0/8', capacityMbps: 1000, start: DEC, end: JAN });
    expect(f.buy('b', { destination: '10.0.0.0/8', capacityMbps: 1000, start: DEC, end: JAN }).trades).toHaveLength(1);
    for (let i = 0; i < 50; i++) f.buy(`m${i}`, { destination: '192.0.2.0/24', capacityMbps: 1000, start: DEC, end: JAN, price: '2.00' });
    const fills = vi.spyOn(f.engine as unknown as { fillable: () => number }, 'fillable');
    // Over December p-a has nothing free: the 50 crossing bids are not read one by one.
    const blocked = f.sell('a', { destination: '192.0.2.0/24', capacityMbps: 1000, start: DEC, end: JAN, timeInForce: 'IOC' });
    expect(blocked.trades).toHaveLength(0);
    expect(fills).not.toHaveBeenCalled();
    // A sell over December and January: p-a is free in January, so a January buy fills.
    f.buy('c', { destination: '192.0.2.0/24', capacityMbps: 1000, start: JAN, end: '2027-02-01T00:00:00Z', price: '1.50' });
    const s = f.sell('a', { destination: '192.0.2.0/24', capacityMbps: 1000, start: DEC, end: '2027-02-01T00:00:00Z', price: '1.50' });
    expect(s.trades.map((t) => [t.buyerId, t.capacityMbps])).toEqual([['c', 1000]]);
    fills.mockRestore();
  });

  it('a buy with quality limits stops its seller-class walk once its port is full', () => {
    const sellers = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const f = new Fixture(['b', 'x', ...sellers]);
    f.ports.set('p-b', { memberId: 'b', capacityMbps: 2000 });
    // half of the buyer's port is taken by an earlier trade
    f.sell('x', { destination: '172.16.0.0/12', capacityMbps: 1000 });
    expect(f.buy('b', { destination: '172.16.0.0/12', capacityMbps: 1000 }).trades).toHaveLength(1);
    sellers.forEach((m, i) => f.sell(m, { destination: '10.0.0.0/8', capacityMbps: 1000, price: (0.5 + i / 100).toFixed(2), quality: { latencyMs: 10 } }));
    const fills = vi.spyOn(f.engine as unknown as { fillable: () => number }, 'fillable');
    // 2000 wanted, but the buyer's port has 1000 left: the cheapest seller fills it, and the walk stops
    // at the next ask instead of trying all twenty
    const r = f.buy('b', { destination: '10.0.0.0/8', capacityMbps: 2000, quality: { maxLatencyMs: 100 }, timeInForce: 'IOC' });
    expect(r.trades.map((t) => [t.sellerId, t.capacityMbps])).toEqual([['s0', 1000]]);
    expect(fills).toHaveBeenCalledTimes(2);
    fills.mockRestore();
  });

  it('runs trades scheduled → active → ended on the clock and frees the ports', () => {
    const f = new Fixture();
    f.ports.set('p-a', { memberId: 'a', capacityMbps: 1000 });
    f.sell('a', { capacityMbps: 1000, end: '2027-03-01T00:00:00Z' });
    const t = f.buy('b').trades[0];
    const live = f.engine.state.trades.get(t.id)!;
    expect(live.status).toBe('scheduled');
    f.clock.set(DEC);
    expect(f.tick().map((e) => e.type)).toEqual(['TradeActivated']);
    expect(live.status).toBe('active');
    f.clock.set(JAN);
    const ev = f.tick();
    expect(ev.map((e) => e.type)).toEqual(['TradeEnded']);
    expect(live.status).toBe('ended');
    expect(f.engine.state.trades.has(t.id)).toBe(false);
    // The port is free again for February.
    expect(f.buy('c', { start: '2027-02-01T00:00:00Z', end: '2027-03-01T00:00:00Z' }).trades).toHaveLength(1);
  });

  it('a cancelled trade gives the capacity back to the seller and the ports', () => {
    const f = new Fixture();
    f.ports.set('p-a', { memberId: 'a', capacityMbps: 1000 });
    const s = f.sell('a', { capacityMbps: 1000, end: '2027-02-01T00:00:00Z' }).order;
    const t = f.buy('b', { start: JAN, end: '2027-02-01T00:00:00Z' }).trades[0];
    expect(f.engine.cancelTrade(t.id, 'operator').map((e) => e.type)).toEqual(['TradeCancelled']);
    expect(s.status).toBe('open');
    expect(f.buy('c').trades[0].capacityMbps).toBe(1000);
  });
});
