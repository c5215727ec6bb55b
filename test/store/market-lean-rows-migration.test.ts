/**
 * Migration 0101 on a database written before it (rows with their JSON), and the lean rows
 * written after it (pointing at their journal events): the repository reads both the same way.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { encodeEvent, specToJson, tradeToJson } from '../../src/market/event-codec.ts';
import type { OrderSpec, TradeRecord } from '../../src/market/types.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createMarketRepo } from '../../src/store/repos/market-repo.ts';
import { type FreshDatabase, freshDatabase } from '../support/fresh-database.ts';

const DEC = Date.parse('2026-12-01T00:00:00Z');
const JAN = Date.parse('2027-01-01T00:00:00Z');
const spec = (memberId: string, side: 'buy' | 'sell', clientOrderId?: string): OrderSpec => ({
  memberId, side, destination: '10.0.0.0/8', protocol: 'ipv4', prefixType: 'transit', trafficType: 'any', capacityMbps: 1000, minBlockMbps: 100,
  price: 1_250_000, orderType: 'limit', timeInForce: 'GTC', start: DEC, end: JAN, portId: `p-${memberId}`,
  ...(clientOrderId ? { clientOrderId } : {}),
  ...(side === 'buy' ? { limits: { maxLatencyMs: 20 }, ranking: 'weighted' as const, weights: { latency: 10_000, loss: 0, distance: 5_000 } } : {}),
});
const trade = (id: string, buyOrderId: string, sellOrderId: string): TradeRecord => ({
  id, buyOrderId, sellOrderId, buyerId: 'b', sellerId: 's', buyPortId: 'p-b', sellPortId: 'p-s', destination: '10.0.0.0/8', protocol: 'ipv4',
  prefixType: 'transit', trafficType: 'any', capacityMbps: 500, price: 1_250_000, start: DEC, end: JAN, quality: { latencyMs: 12, verified: false }, aggressor: 'buy', matchedAt: DEC - 1000,
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`migration 0101-market-lean-rows [${dialect}]`, () => {
    let fresh: FreshDatabase | undefined;
    afterAll(async () => fresh?.drop());

    it('keeps old rows readable and writes new rows that point at their events', async () => {
      fresh = await freshDatabase(dialect);
      const cfg = fresh.cfg;
      const reporter = createReporter({ destination: false });
      const old = createStore(cfg, { reporter, migrations: migrations.filter((m) => m.id < '0101') });
      await old.migrate();
      const s1 = spec('s', 'sell', 'c-1');
      const t1 = trade('trd_1', 'ord_2', 'ord_1');
      await sql`insert into market_orders (id, member_id, client_order_id, side, destination, protocol, price, capacity_mbps, filled_mbps, status, close_reason, seq, start_at, end_at, spec, created_at, updated_at)
        values ('ord_1', 's', 'c-1', 'sell', '10.0.0.0/8', 'ipv4', '1250000', 1000, 500, 'open', null, 1, ${DEC}, ${JAN}, ${JSON.stringify(specToJson(s1))}, 10, 20)`.execute(old.db);
      await sql`insert into market_trades (id, buyer_id, seller_id, buy_order_id, sell_order_id, destination, capacity_mbps, price, start_at, end_at, status, closed_at, close_reason, record, matched_at)
        values ('trd_1', 'b', 's', 'ord_2', 'ord_1', '10.0.0.0/8', 500, '1250000', ${DEC}, ${JAN}, 'scheduled', null, null, ${JSON.stringify(tradeToJson(t1))}, ${t1.matchedAt})`.execute(old.db);
      await old.close();

      const store = createStore(cfg, { reporter });
      expect(await store.migrate()).toContain('0101-market-lean-rows');
      const clock = new ManualClock('2026-11-01T00:00:00Z');
      const journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter });
      await journal.start();
      const repo = createMarketRepo(store.db, journal, store.sqlite);

      const o1 = await repo.getOrder('ord_1');
      expect(o1).toMatchObject({ id: 'ord_1', spec: s1, filledMbps: 500, status: 'open', createdAt: 10, updatedAt: 20 });
      expect((await repo.listTrades('s', { limit: 10 })).map((t) => t.record)).toEqual([t1]);

      // A batch after the migration: a new buy order trading with the old sell order.
      const s2 = spec('b', 'buy');
      const t2 = trade('trd_2', 'ord_2', 'ord_1');
      const events = [
        encodeEvent({ type: 'OrderAccepted', at: DEC - 2000, orderId: 'ord_2', seq: 2, spec: s2 }),
        encodeEvent({ type: 'TradeMatched', at: DEC - 1000, trade: t2 }),
      ];
      await repo.record(
        events,
        [
          { id: 'ord_2', spec: s2, seq: 2, price: s2.price, capacityMbps: 1000, filledMbps: 500, status: 'open', closeReason: null, createdAt: 30, updatedAt: 30, fresh: true, event: 0 },
          { id: 'ord_1', spec: s1, seq: 1, price: s1.price, capacityMbps: 1000, filledMbps: 1000, status: 'filled', closeReason: null, createdAt: 10, updatedAt: 30 },
        ],
        [{ record: t2, status: 'scheduled', closedAt: null, closeReason: null, fresh: true, event: 1 }],
      );
      const lean = await store.db.selectFrom('market_orders').select(['spec', 'accepted_seq']).where('id', '=', 'ord_2').executeTakeFirstOrThrow();
      expect(lean.spec).toBeNull();
      expect(Number(lean.accepted_seq)).toBe(1);
      const leanTrade = await store.db.selectFrom('market_trades').select(['record', 'matched_seq']).where('id', '=', 'trd_2').executeTakeFirstOrThrow();
      expect(leanTrade.record).toBeNull();
      expect(Number(leanTrade.matched_seq)).toBe(2);

      expect(await repo.getOrder('ord_2')).toMatchObject({ id: 'ord_2', spec: s2, filledMbps: 500, status: 'open' });
      expect(await repo.getOrder('ord_1')).toMatchObject({ spec: s1, filledMbps: 1000, status: 'filled', updatedAt: 30 });
      expect((await repo.listOrders('b', { limit: 10 })).map((o) => o.spec)).toEqual([s2]);
      expect((await repo.listOrders('s', { limit: 10, open: false })).map((o) => o.id)).toEqual(['ord_1']);
      expect((await repo.listTrades('s', { limit: 10 })).map((t) => t.record)).toEqual([t1, t2]);
      expect((await repo.listTrades('b', { limit: 10, after: 'trd_1' })).map((t) => t.record.id)).toEqual(['trd_2']);
      // A fresh row whose event index does not name its event carries its JSON instead.
      const s3 = spec('b', 'buy', 'c-3');
      await repo.record(
        [encodeEvent({ type: 'OrderAccepted', at: DEC, orderId: 'ord_3', seq: 3, spec: s3 })],
        [{ id: 'ord_3', spec: s3, seq: 3, price: s3.price, capacityMbps: 1000, filledMbps: 0, status: 'open', closeReason: null, createdAt: 40, updatedAt: 40, fresh: true, event: 5 }],
        [],
      );
      const inline = await store.db.selectFrom('market_orders').select(['spec', 'accepted_seq']).where('id', '=', 'ord_3').executeTakeFirstOrThrow();
      expect(inline.accepted_seq).toBeNull();
      expect(await repo.getOrder('ord_3')).toMatchObject({ spec: s3, createdAt: 40 });
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
