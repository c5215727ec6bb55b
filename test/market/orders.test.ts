/** Order life: validation, idempotent client ids, amend priority rules, cancel, expiry, value. */
import { describe, expect, it } from 'vitest';
import { Timeline, marketErrors, tradeValue, validateOrder } from '../../src/market/index.ts';
import { DEC, Fixture, JAN, MID_DEC } from './fixture.ts';

const base = { side: 'buy', destination: '10.0.0.0/8', prefixType: 'transit', capacityMbps: 100, price: '1.00', start: DEC, end: JAN, portId: 'p-a' };

describe('validation', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['side missing', { side: undefined }, 'side'],
    ['host bits set', { destination: '10.0.0.1/8' }, 'destination'],
    ['"any" without protocol', { destination: 'any' }, 'protocol'],
    ['protocol contradicts the prefix', { protocol: 'ipv6' }, 'protocol'],
    ['unknown prefix type', { prefixType: 'upstream' }, 'prefixType'],
    ['capacity not an integer', { capacityMbps: 1.5 }, 'capacityMbps'],
    ['capacity not a multiple of the block', { capacityMbps: 100, minBlockMbps: 30 }, 'capacityMbps'],
    ['price with 7 decimals', { price: '1.0000001' }, 'price'],
    ['negative price', { price: '-1' }, 'price'],
    ['price as a number', { price: 1 }, 'price'],
    ['market order with a price', { orderType: 'market' }, 'price'],
    ['market order without a guard', { orderType: 'market', price: undefined }, 'priceGuard'],
    ['market order GTC', { orderType: 'market', price: undefined, priceGuard: '2', timeInForce: 'GTC' }, 'timeInForce'],
    ['GTD without expiry', { timeInForce: 'GTD' }, 'expiresAt'],
    ['expiry without GTD', { expiresAt: DEC }, 'expiresAt'],
    ['end before start', { end: DEC }, 'end'],
    ['date without time or zone', { start: '2026-12-01' }, 'start'],
    ['sub-second start', { start: '2026-12-01T00:00:00.5Z' }, 'start'],
    ['buy declaring quality', { quality: { latencyMs: 3 } }, 'quality.latencyMs'],
    ['sell with a ranking', { side: 'sell', ranking: 'price' }, 'ranking'],
    ['weighted without weights', { ranking: 'weighted' }, 'weights'],
    ['negative weight', { ranking: 'weighted', weights: { latency: '-1' } }, 'weights.latency'],
    ['loss above 100 %', { quality: { maxLossPct: 101 } }, 'quality.maxLossPct'],
    ['unknown field', { colour: 'red' }, 'colour'],
    ['bad client order id', { clientOrderId: 'a b' }, 'clientOrderId'],
  ];
  for (const [name, patch, field] of bad) {
    it(`refuses: ${name} (field ${field})`, () => {
      const input = { ...base, ...patch } as Record<string, unknown>;
      for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
      let err: unknown;
      try {
        validateOrder('a', input);
      } catch (e) {
        err = e;
      }
      expect(marketErrors.is(err, 'MARKET_INVALID_ORDER')).toBe(true);
      const fields = ((err as { details: { errors: Array<{ field: string }> } }).details.errors).map((e) => e.field);
      expect(fields).toContain(field);
    });
  }

  it('reads money exactly and canonicalises the destination', () => {
    const s = validateOrder('a', { ...base, destination: '2001:DB8:0::/32', price: '0.000001' });
    expect(s).toMatchObject({ destination: '2001:db8::/32', protocol: 'ipv6', price: 1, minBlockMbps: 1, trafficType: 'any', timeInForce: 'GTC' });
  });
});

describe('order life', () => {
  it('a retry with the same client order id returns the original; another order under it is refused', () => {
    const f = new Fixture();
    const a = f.buy('a', { clientOrderId: 'x-1' });
    const b = f.buy('a', { clientOrderId: 'x-1' });
    expect(b.duplicate).toBe(true);
    expect(b.order.id).toBe(a.order.id);
    expect(b.events).toEqual([]);
    expect(() => f.buy('a', { clientOrderId: 'x-1', price: '1.01' })).toThrow(/already used/);
    // Another member may use the same client id.
    expect(f.buy('b', { clientOrderId: 'x-1' }).duplicate).toBe(false);
  });

  it('capacity down keeps time priority; a price change or more capacity loses it', () => {
    const f = new Fixture();
    const first = f.sell('a', { capacityMbps: 1000 }).order;
    const second = f.sell('c', { capacityMbps: 1000 }).order;
    f.engine.amend('a', first.id, { capacityMbps: 500 });
    expect(f.engine.depth('10.0.0.0/8', 'ipv4').asks).toEqual([{ price: 1_000_000, mbps: 1500, orders: 2 }]);
    expect(f.buy('b', { capacityMbps: 500, timeInForce: 'IOC' }).trades[0].sellOrderId).toBe(first.id);
    const third = f.sell('d', { capacityMbps: 1000 }).order;
    f.engine.amend('c', second.id, { capacityMbps: 2000 }); // more capacity: behind d now
    expect(f.buy('b', { capacityMbps: 1000, timeInForce: 'IOC' }).trades[0].sellOrderId).toBe(third.id);
  });

  it('an amended price that crosses trades at once', () => {
    const f = new Fixture();
    const s = f.sell('a', { price: '1.50' }).order;
    f.buy('b', { price: '1.20' });
    const r = f.engine.amend('a', s.id, { price: 1_100_000 });
    expect(r.events.map((e) => e.type)).toEqual(['OrderAmended', 'TradeMatched']);
    expect(r.events[1]).toMatchObject({ trade: { price: 1_200_000, aggressor: 'sell' } });
  });

  it('refuses amendments below what is sold, and on closed or foreign orders', () => {
    const f = new Fixture();
    const s = f.sell('a', { capacityMbps: 1000, minBlockMbps: 100 }).order;
    f.buy('b', { capacityMbps: 600 });
    expect(() => f.engine.amend('a', s.id, { capacityMbps: 600 })).toThrow(/at least one block/);
    expect(() => f.engine.amend('a', s.id, { capacityMbps: 750 })).toThrow(/multiple of minBlockMbps/);
    expect(() => f.engine.amend('b', s.id, { capacityMbps: 800 })).toThrow(/no order/);
    f.engine.cancel('a', s.id);
    expect(() => f.engine.cancel('a', s.id)).toThrow(/no order|cancelled/);
  });

  it('GTD orders expire at their time; buys when their period starts; sells when it ends', () => {
    const f = new Fixture();
    const gtd = f.sell('a', { timeInForce: 'GTD', expiresAt: '2026-11-10T00:00:00Z' }).order;
    const buy = f.buy('b', { price: '0.50', start: MID_DEC }).order;
    const sell = f.sell('c', { price: '9.00' }).order;
    f.clock.set('2026-11-10T00:00:00Z');
    expect(f.tick()).toMatchObject([{ type: 'OrderExpired', orderId: gtd.id, reason: 'gtd' }]);
    f.clock.set(MID_DEC);
    expect(f.tick()).toMatchObject([{ type: 'OrderExpired', orderId: buy.id, reason: 'period' }]);
    f.clock.set(JAN);
    expect(f.tick()).toMatchObject([{ type: 'OrderExpired', orderId: sell.id, reason: 'period' }]);
    expect([gtd.status, buy.status, sell.status]).toEqual(['expired', 'expired', 'expired']);
  });

  it('refuses periods in the past and ports that are not the member\'s', () => {
    const f = new Fixture();
    f.clock.set(JAN);
    expect(() => f.buy('a')).toThrow(/end must be in the future/);
    expect(() => f.buy('a', { portId: 'p-b', start: JAN, end: '2027-02-01T00:00:00Z' })).toThrow(/not one of your ports/);
  });
});

describe('trade value (calendar-month proration, per second)', () => {
  it('a whole month costs the monthly price; parts are prorated by the month they fall in', () => {
    const price = 2_500_000n; // 2.50 per Mbps per month
    expect(tradeValue(price, 400, Date.parse(DEC), Date.parse(JAN))).toBe(1_000_000_000n);
    // 1 day of February (28 days) and 1 day of March (31 days) at 1.00 for 1 Mbps.
    expect(tradeValue(1_000_000n, 1, Date.parse('2027-02-01T00:00:00Z'), Date.parse('2027-02-02T00:00:00Z'))).toBe(35_714n);
    expect(tradeValue(1_000_000n, 1, Date.parse('2027-03-01T00:00:00Z'), Date.parse('2027-03-02T00:00:00Z'))).toBe(32_258n);
    // Across a boundary: the two months' shares, each rounded half-even.
    expect(tradeValue(1_000_000n, 1, Date.parse('2027-02-28T00:00:00Z'), Date.parse('2027-03-02T00:00:00Z'))).toBe(35_714n + 32_258n);
  });
});

describe('timeline', () => {
  it('answers max and min over any interval, including ones starting before the first step', () => {
    const t = new Timeline();
    t.add(10, 20, 5);
    t.add(15, 30, 2);
    expect(t.steps()).toEqual([[10, 5], [15, 7], [20, 2], [30, 0]]);
    expect(t.maxIn(0, 11)).toBe(5);
    expect(t.maxIn(0, 10)).toBe(0);
    expect(t.maxIn(16, 40)).toBe(7);
    expect(t.minIn(10, 30)).toBe(2);
    expect(t.minIn(5, 30)).toBe(0);
    t.add(10, 20, -5);
    t.add(15, 30, -2);
    expect(t.empty).toBe(true);
  });
});
