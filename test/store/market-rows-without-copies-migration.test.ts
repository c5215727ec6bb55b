/**
 * Migration 0102 drops the market rows' columns that repeated their event (or their JSON): rows
 * written before it, with those columns, read back the same after it, and the rows written after
 * it hold only the key, the filtered columns, the changing figures and the pointer.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { encodeEvent, specToJson } from '../../src/market/event-codec.ts';
import type { OrderSpec, TradeRecord } from '../../src/market/types.ts';
import { createJournal, createStore, type Store } from '../../src/store/index.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createMarketRepo } from '../../src/store/repos/market-repo.ts';
import { type FreshDatabase, freshDatabase } from '../support/fresh-database.ts';

const DEC = Date.parse('2026-12-01T00:00:00Z');
const JAN = Date.parse('2027-01-01T00:00:00Z');
const spec = (memberId: string, side: 'buy' | 'sell', clientOrderId?: string): OrderSpec => ({
  memberId, side, destination: '2001:db8::/32', protocol: 'ipv6', prefixType: 'customer', trafficType: 'any', capacityMbps: 2000, minBlockMbps: 500,
  price: 2_500_000, orderType: 'limit', timeInForce: 'GTC', start: DEC, end: JAN, portId: `p-${memberId}`,
  ...(clientOrderId ? { clientOrderId } : {}),
});
const trade = (id: string, buyOrderId: string, sellOrderId: string): TradeRecord => ({
  id, buyOrderId, sellOrderId, buyerId: 'b', sellerId: 's', buyPortId: 'p-b', sellPortId: 'p-s', destination: '2001:db8::/32', protocol: 'ipv6',
  prefixType: 'customer', trafficType: 'any', capacityMbps: 500, price: 2_500_000, start: DEC, end: JAN, quality: { lossPct: 0.25, verified: true }, aggressor: 'sell', matchedAt: DEC - 5000,
});

async function columns(store: Store, table: string): Promise<string[]> {
  if (store.dialect === 'sqlite') return (store.sqlite!.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name).sort();
  const r = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = ${table}`.execute(store.db);
  return r.rows.map((c) => c.column_name).sort();
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`migration 0102-market-rows-without-copies [${dialect}]`, () => {
    let fresh: FreshDatabase | undefined;
    afterAll(async () => fresh?.drop());

    it('keeps rows written before it readable and drops the columns that repeated the event', async () => {
      fresh = await freshDatabase(dialect);
      const cfg = fresh.cfg;
      const reporter = createReporter({ destination: false });
      const clock = new ManualClock('2026-11-01T00:00:00Z');
      // Before 0102: a sell row with its JSON (as before 0101), a buy row and a trade row that
      // point at their journal events (as 0101 wrote them), all with the columns 0102 drops.
      const old = createStore(cfg, { reporter, migrations: migrations.filter((m) => m.id < '0102') });
      await old.migrate();
      const oldJournal = createJournal({ db: old.db, dialect: old.dialect, ...(old.sqlite ? { sqlite: old.sqlite } : {}), clock, reporter });
      await oldJournal.start();
      const s1 = spec('s', 'sell', 'c-1');
      const s2 = spec('b', 'buy');
      const t1 = trade('trd_1', 'ord_2', 'ord_1');
      const [accepted, matched] = await oldJournal.appendAll(
        [encodeEvent({ type: 'OrderAccepted', at: DEC - 6000, orderId: 'ord_2', seq: 2, spec: s2 }), encodeEvent({ type: 'TradeMatched', at: DEC - 5000, trade: t1 })],
        () => undefined,
      );
      await sql`insert into market_orders (id, member_id, client_order_id, side, destination, protocol, price, capacity_mbps, filled_mbps, status, close_reason, seq, start_at, end_at, spec, accepted_seq, created_at, updated_at)
        values ('ord_1', 's', 'c-1', 'sell', '2001:db8::/32', 'ipv6', '2500000', 2000, 500, 'open', null, 1, ${DEC}, ${JAN}, ${JSON.stringify(specToJson(s1))}, null, 10, 20),
               ('ord_2', 'b', null, 'buy', '2001:db8::/32', 'ipv6', '2500000', 2000, 500, 'open', null, 2, ${DEC}, ${JAN}, null, ${accepted.seq}, 30, 30)`.execute(old.db);
      await sql`insert into market_trades (id, buyer_id, seller_id, buy_order_id, sell_order_id, destination, capacity_mbps, price, start_at, end_at, status, closed_at, close_reason, record, matched_seq, matched_at)
        values ('trd_1', 'b', 's', 'ord_2', 'ord_1', '2001:db8::/32', 500, '2500000', ${DEC}, ${JAN}, 'cancelled', ${DEC - 1000}, 'operator', null, ${matched.seq}, ${t1.matchedAt})`.execute(old.db);
      await oldJournal.close();
      await old.close();

      const store = createStore(cfg, { reporter });
      expect(await store.migrate()).toContain('0102-market-rows-without-copies');
      expect(await columns(store, 'market_orders')).toEqual(['accepted_seq', 'capacity_mbps', 'client_order_id', 'close_reason', 'created_at', 'filled_mbps', 'id', 'member_id', 'price', 'seq', 'spec', 'status', 'updated_at']);
      expect(await columns(store, 'market_trades')).toEqual(['buyer_id', 'close_reason', 'closed_at', 'id', 'matched_seq', 'record', 'seller_id', 'status']);
      const journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter });
      await journal.start();
      const repo = createMarketRepo(store.db, journal, store.sqlite);

      expect(await repo.getOrder('ord_1')).toEqual({ id: 'ord_1', spec: s1, seq: 1, price: 2_500_000, capacityMbps: 2000, filledMbps: 500, status: 'open', closeReason: null, createdAt: 10, updatedAt: 20 });
      expect(await repo.getOrder('ord_2')).toEqual({ id: 'ord_2', spec: s2, seq: 2, price: 2_500_000, capacityMbps: 2000, filledMbps: 500, status: 'open', closeReason: null, createdAt: 30, updatedAt: 30 });
      expect(await repo.listTrades('s', { limit: 10 })).toEqual([{ record: t1, status: 'cancelled', closedAt: DEC - 1000, closeReason: 'operator' }]);

      // After 0102: a new order filling the old sell, and its trade.
      const s3 = spec('b', 'buy', 'c-3');
      const t2 = trade('trd_2', 'ord_3', 'ord_1');
      await repo.record(
        [encodeEvent({ type: 'OrderAccepted', at: DEC - 2000, orderId: 'ord_3', seq: 3, spec: s3 }), encodeEvent({ type: 'TradeMatched', at: DEC - 1000, trade: t2 })],
        [
          { id: 'ord_3', spec: s3, seq: 3, price: s3.price, capacityMbps: 2000, filledMbps: 500, status: 'open', closeReason: null, createdAt: 40, updatedAt: 40, fresh: true, event: 0 },
          { id: 'ord_1', spec: s1, seq: 1, price: s1.price, capacityMbps: 2000, filledMbps: 1000, status: 'open', closeReason: null, createdAt: 10, updatedAt: 40 },
        ],
        [{ record: t2, status: 'scheduled', closedAt: null, closeReason: null, fresh: true, event: 1 }],
      );
      expect(await repo.getOrder('ord_3')).toMatchObject({ spec: s3, filledMbps: 500, createdAt: 40 });
      expect(await repo.getOrder('ord_1')).toMatchObject({ spec: s1, filledMbps: 1000, updatedAt: 40 });
      expect((await repo.listOrders('b', { limit: 10 })).map((o) => [o.id, o.spec])).toEqual([['ord_2', s2], ['ord_3', s3]]);
      expect((await repo.listTrades('b', { limit: 10, after: 'trd_1' })).map((t) => [t.record, t.status])).toEqual([[t2, 'scheduled']]);
      // The client order id stays unique per member.
      await expect(
        sql`insert into market_orders (id, member_id, client_order_id, price, capacity_mbps, filled_mbps, status, seq, spec, created_at, updated_at)
          values ('ord_9', 's', 'c-1', '1', 1, 0, 'open', 9, '{}', 0, 0)`.execute(store.db),
      ).rejects.toThrow();
      await journal.close();
      await store.close();
    });
  });
}
