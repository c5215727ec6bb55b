/**
 * The market's storage: one journal command per batch of market commands (group commit on top
 * of the journal's), whose projection upserts the changed order and trade rows with multi-row
 * statements; replay reads the journal's market events in seq order.
 */

import type SqliteDatabase from 'better-sqlite3';
import type { ListQuery, MarketRepository, OrderRow, TradeRow } from '../../market/market-repo.ts';
import { specFromJson, specToJson, tradeFromJson, tradeToJson } from '../../market/event-codec.ts';
import type { CloseReason, OrderStatus, TradeStatus } from '../../market/types.ts';
import type { Db, Tx } from '../database.ts';
import type { Journal } from '../journal.ts';
import type { MarketOrdersTable, MarketTradesTable } from '../schema/market.ts';

// 17 columns × 1500 rows stays under SQLite's 32 766 bound parameters (and PostgreSQL's 65 535).
const ROWS_PER_STATEMENT = 1500;

function orderValues(r: OrderRow): MarketOrdersTable {
  const s = r.spec;
  return {
    id: r.id,
    member_id: s.memberId,
    client_order_id: s.clientOrderId ?? null,
    side: s.side,
    destination: s.destination,
    protocol: s.protocol,
    price: String(r.price),
    capacity_mbps: r.capacityMbps,
    filled_mbps: r.filledMbps,
    status: r.status,
    close_reason: r.closeReason,
    seq: r.seq,
    start_at: s.start,
    end_at: s.end,
    spec: JSON.stringify(specToJson(s)),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function tradeValues(r: TradeRow): MarketTradesTable {
  const t = r.record;
  return {
    id: t.id,
    buyer_id: t.buyerId,
    seller_id: t.sellerId,
    buy_order_id: t.buyOrderId,
    sell_order_id: t.sellOrderId,
    destination: t.destination,
    capacity_mbps: t.capacityMbps,
    price: String(t.price),
    start_at: t.start,
    end_at: t.end,
    status: r.status,
    closed_at: r.closedAt,
    close_reason: r.closeReason,
    record: JSON.stringify(tradeToJson(t)),
    matched_at: t.matchedAt,
  };
}

function orderFromRow(x: MarketOrdersTable): OrderRow {
  return {
    id: x.id,
    spec: specFromJson(JSON.parse(x.spec) as Record<string, unknown>),
    seq: Number(x.seq),
    price: Number(x.price),
    capacityMbps: Number(x.capacity_mbps),
    filledMbps: Number(x.filled_mbps),
    status: x.status as OrderStatus,
    closeReason: x.close_reason as CloseReason | null,
    createdAt: Number(x.created_at),
    updatedAt: Number(x.updated_at),
  };
}

function tradeFromRow(x: MarketTradesTable): TradeRow {
  return {
    record: tradeFromJson(JSON.parse(x.record) as Record<string, unknown>),
    status: x.status as TradeStatus,
    closedAt: x.closed_at === null ? null : Number(x.closed_at),
    closeReason: x.close_reason,
  };
}

async function upsertOrders(tx: Tx, rows: OrderRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await tx
      .insertInto('market_orders')
      .values(rows.slice(i, i + ROWS_PER_STATEMENT).map(orderValues))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          price: eb.ref('excluded.price'),
          capacity_mbps: eb.ref('excluded.capacity_mbps'),
          filled_mbps: eb.ref('excluded.filled_mbps'),
          status: eb.ref('excluded.status'),
          close_reason: eb.ref('excluded.close_reason'),
          seq: eb.ref('excluded.seq'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

async function upsertTrades(tx: Tx, rows: TradeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await tx
      .insertInto('market_trades')
      .values(rows.slice(i, i + ROWS_PER_STATEMENT).map(tradeValues))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          closed_at: eb.ref('excluded.closed_at'),
          close_reason: eb.ref('excluded.close_reason'),
        })),
      )
      .execute();
  }
}

const ORDER_COLUMNS = ['id', 'member_id', 'client_order_id', 'side', 'destination', 'protocol', 'price', 'capacity_mbps', 'filled_mbps', 'status', 'close_reason', 'seq', 'start_at', 'end_at', 'spec', 'created_at', 'updated_at'] as const;
const ORDER_UPDATED = ['price', 'capacity_mbps', 'filled_mbps', 'status', 'close_reason', 'seq', 'updated_at'];
const TRADE_COLUMNS = ['id', 'buyer_id', 'seller_id', 'buy_order_id', 'sell_order_id', 'destination', 'capacity_mbps', 'price', 'start_at', 'end_at', 'status', 'closed_at', 'close_reason', 'record', 'matched_at'] as const;
const TRADE_UPDATED = ['status', 'closed_at', 'close_reason'];

function upsertSql(table: string, cols: readonly string[], updated: readonly string[]): string {
  return `insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')}) on conflict (id) do update set ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

function updateSql(table: string, updated: readonly string[]): string {
  return `update ${table} set ${updated.map((c) => `${c} = ?`).join(', ')} where id = ?`;
}

/**
 * `sqlite`: the store's better-sqlite3 handle; when given, the projection runs prepared upserts on
 * it (they join the journal's transaction: one connection), which is several times cheaper than
 * building multi-row statements. The Kysely path serves PostgreSQL.
 */
export function createMarketRepo(db: Db, journal: Journal, sqlite?: SqliteDatabase.Database): MarketRepository {
  let prepared: { order: SqliteDatabase.Statement; orderUpdate: SqliteDatabase.Statement; trade: SqliteDatabase.Statement; tradeUpdate: SqliteDatabase.Statement } | undefined;
  return {
    async record(events, orders, trades) {
      if (events.length === 0 && orders.length === 0 && trades.length === 0) return;
      await journal.appendAll(events, async (tx) => {
        if (sqlite) {
          prepared ??= {
            order: sqlite.prepare(upsertSql('market_orders', ORDER_COLUMNS, ORDER_UPDATED)),
            orderUpdate: sqlite.prepare(updateSql('market_orders', ORDER_UPDATED)),
            trade: sqlite.prepare(upsertSql('market_trades', TRADE_COLUMNS, TRADE_UPDATED)),
            tradeUpdate: sqlite.prepare(updateSql('market_trades', TRADE_UPDATED)),
          };
          // Positional parameters, no row object: a row that exists already (accepted or matched
          // in an earlier batch, hence committed with it) only gets its changing columns.
          const p = prepared;
          for (const r of orders) {
            const price = String(r.price);
            if (r.fresh) {
              const s = r.spec;
              p.order.run(r.id, s.memberId, s.clientOrderId ?? null, s.side, s.destination, s.protocol, price, r.capacityMbps, r.filledMbps, r.status, r.closeReason, r.seq, s.start, s.end, JSON.stringify(specToJson(s)), r.createdAt, r.updatedAt);
            } else {
              const res = p.orderUpdate.run(price, r.capacityMbps, r.filledMbps, r.status, r.closeReason, r.seq, r.updatedAt, r.id);
              if (res.changes === 0) {
                const v = orderValues(r);
                p.order.run(ORDER_COLUMNS.map((c) => v[c]));
              }
            }
          }
          for (const r of trades) {
            if (r.fresh) {
              const t = r.record;
              p.trade.run(t.id, t.buyerId, t.sellerId, t.buyOrderId, t.sellOrderId, t.destination, t.capacityMbps, String(t.price), t.start, t.end, r.status, r.closedAt, r.closeReason, JSON.stringify(tradeToJson(t)), t.matchedAt);
            } else {
              const res = p.tradeUpdate.run(r.status, r.closedAt, r.closeReason, r.record.id);
              if (res.changes === 0) {
                const v = tradeValues(r);
                p.trade.run(TRADE_COLUMNS.map((c) => v[c]));
              }
            }
          }
          return;
        }
        if (orders.length) await upsertOrders(tx, orders);
        if (trades.length) await upsertTrades(tx, trades);
      });
    },

    async replay(types, pageSize, apply) {
      let after = 0;
      let n = 0;
      for (;;) {
        const rows = await db
          .selectFrom('journal')
          .select(['seq', 'type', 'payload'])
          .where('seq', '>', after)
          .where('type', 'in', [...types])
          .orderBy('seq')
          .limit(pageSize)
          .execute();
        for (const r of rows) {
          apply(r.type, JSON.parse(r.payload));
          n++;
        }
        if (rows.length < pageSize) return n;
        after = Number(rows[rows.length - 1].seq);
      }
    },

    async getOrder(id) {
      const r = await db.selectFrom('market_orders').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? orderFromRow(r) : undefined;
    },

    async listOrders(memberId, q: ListQuery & { open?: boolean }) {
      let s = db.selectFrom('market_orders').selectAll().where('member_id', '=', memberId);
      if (q.after !== undefined) s = s.where('id', '>', q.after);
      if (q.open === true) s = s.where('status', '=', 'open');
      else if (q.open === false) s = s.where('status', '<>', 'open');
      const rows = await s.orderBy('id').limit(q.limit).execute();
      return rows.map(orderFromRow);
    },

    async listTrades(memberId, q) {
      let s = db
        .selectFrom('market_trades')
        .selectAll()
        .where((eb) => eb.or([eb('buyer_id', '=', memberId), eb('seller_id', '=', memberId)]));
      if (q.after !== undefined) s = s.where('id', '>', q.after);
      const rows = await s.orderBy('id').limit(q.limit).execute();
      return rows.map(tradeFromRow);
    },
  };
}

