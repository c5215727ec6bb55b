/** The column store of live trades: what it hands back is the record it was given. */
import { describe, expect, it } from 'vitest';
import { TRADE_ACTIVE, TradeStore, tradeRecord } from '../../src/market/trade-store.ts';
import type { OrderSpec, TradeRecord } from '../../src/market/types.ts';

const DEC = Date.UTC(2026, 11, 1);
const JAN = Date.UTC(2027, 0, 1);
const spec = (side: 'buy' | 'sell', memberId: string, portId: string, destination: string): OrderSpec =>
  ({ side, memberId, portId, destination, protocol: 'ipv4', prefixType: 'transit', trafficType: 'any', start: DEC, end: JAN }) as unknown as OrderSpec;

describe('TradeStore', () => {
  const buy = spec('buy', 'mem_a', 'prt_a', '10.1.2.0/24');
  const sell = spec('sell', 'mem_b', 'prt_b', '10.0.0.0/8');

  it('rebuilds a trade made from its orders, and keeps its status', () => {
    const store = new TradeStore();
    const r = tradeRecord('trd_1', 'ord_b', 'ord_s', buy, sell, 300, 1_000_000, { verified: false }, 'sell', DEC - 1000);
    const h = store.add(r, buy, sell);
    expect(store.record(h)).toEqual(r);
    store.setStatus(h, TRADE_ACTIVE, DEC, undefined);
    expect(store.get('trd_1')?.view()).toEqual({ ...r, status: 'active' });
  });

  it('gives back a record that does not derive from its orders exactly (a journal written otherwise)', () => {
    const store = new TradeStore();
    const odd: TradeRecord = {
      ...tradeRecord('trd_2', 'ord_b', 'ord_s', buy, sell, 200, 900_000, { verified: true, latencyMs: 12 }, 'buy', DEC - 5),
      buyerId: 'mem_x',
      sellPortId: 'prt_y',
      destination: '10.1.0.0/16',
      start: DEC + 86_400_000,
    };
    const h = store.add(odd, buy, sell);
    expect(store.record(h)).toEqual(odd);
    expect([store.buyerOf(h), store.sellPortOf(h), store.startOf(h), store.endOf(h)]).toEqual(['mem_x', 'prt_y', DEC + 86_400_000, JAN]);
    // the orders' own specs are untouched
    expect(buy.memberId).toBe('mem_a');
    expect(sell.portId).toBe('prt_b');
  });
});
