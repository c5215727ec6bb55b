/**
 * The market's storage: one journal command per batch of market commands (group commit on top
 * of the journal's), whose projection upserts the changed order and trade rows with multi-row
 * statements; replay reads the journal's market events in seq order.
 *
 * Rows do not repeat their event: a new order's row keeps the journal seq of its OrderAccepted
 * event (`accepted_seq`) instead of the spec as JSON, a new trade's row the seq of its
 * TradeMatched event (`matched_seq`) instead of the record; reads join the journal for them
 * (migration 0101). A row written without its event at hand (or before 0101) carries the JSON.
 * Nothing else of the spec or record is stored in the row (0102): only the key, what the lists
 * filter on and what changes.
 *
 * On SQLite the rows are built once as RowWrites, which the journal runs on its writer thread
 * (sqlite-writer.ts) or, when the group commits on the main connection, the projection runs.
 */

import type SqliteDatabase from 'better-sqlite3';
import type { ListQuery, MarketRepository, OrderRow, TradeRow } from '../../market/market-repo.ts';
import { specFromJson, specToJson, tradeFromJson, tradeToJson } from '../../market/event-codec.ts';
import type { CloseReason, OrderStatus, TradeStatus } from '../../market/types.ts';
import type { JournalEvent } from '../../lib/index.ts';
import type { Db, Tx } from '../database.ts';
import type { Journal, RowWrite } from '../journal.ts';
import { decodePayload } from '../payload-codec.ts';
import type { MarketOrdersTable, MarketTradesTable } from '../schema/market.ts';

// 13 columns × 1500 rows stays under SQLite's 32 766 bound parameters (and PostgreSQL's 65 535).
const ROWS_PER_STATEMENT = 1500;
/** Rows per prepared SQLite insert, largest first (64 × 13 = 832 parameters). */
const SQLITE_CHUNKS = [64, 16, 4, 1] as const;

function orderValues(r: OrderRow, acceptedSeq?: number): MarketOrdersTable {
  const s = r.spec;
  return {
    id: r.id,
    member_id: s.memberId,
    client_order_id: s.clientOrderId ?? null,
    price: String(r.price),
    capacity_mbps: r.capacityMbps,
    filled_mbps: r.filledMbps,
    status: r.status,
    close_reason: r.closeReason,
    seq: r.seq,
    spec: acceptedSeq === undefined ? JSON.stringify(specToJson(s)) : null,
    accepted_seq: acceptedSeq ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function tradeValues(r: TradeRow, matchedSeq?: number): MarketTradesTable {
  const t = r.record;
  return {
    id: t.id,
    buyer_id: t.buyerId,
    seller_id: t.sellerId,
    status: r.status,
    closed_at: r.closedAt,
    close_reason: r.closeReason,
    record: matchedSeq === undefined ? JSON.stringify(tradeToJson(t)) : null,
    matched_seq: matchedSeq ?? null,
  };
}

/** A row joined with the payload of the event it points at (null when it carries its JSON). */
type Joined<T> = T & { src: string | null };

function fromEvent(own: string | null, src: string | null, field: 'spec' | 'trade', id: string): Record<string, unknown> {
  if (own !== null) return JSON.parse(own) as Record<string, unknown>;
  if (src === null) throw new Error(`market row ${id} has neither its JSON nor its journal event`);
  return (decodePayload(field === 'spec' ? 'OrderAccepted' : 'TradeMatched', src) as Record<string, Record<string, unknown>>)[field];
}

function orderFromRow(x: Joined<MarketOrdersTable>): OrderRow {
  return {
    id: x.id,
    spec: specFromJson(fromEvent(x.spec, x.src, 'spec', x.id)),
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

function tradeFromRow(x: Joined<MarketTradesTable>): TradeRow {
  return {
    record: tradeFromJson(fromEvent(x.record, x.src, 'trade', x.id)),
    status: x.status as TradeStatus,
    closedAt: x.closed_at === null ? null : Number(x.closed_at),
    closeReason: x.close_reason,
  };
}

async function upsertOrders(tx: Tx, rows: OrderRow[], stored: readonly JournalEvent[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await tx
      .insertInto('market_orders')
      .values(rows.slice(i, i + ROWS_PER_STATEMENT).map((r) => orderValues(r, r.fresh ? acceptedSeq(stored, r) : undefined)))
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

async function upsertTrades(tx: Tx, rows: TradeRow[], stored: readonly JournalEvent[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await tx
      .insertInto('market_trades')
      .values(rows.slice(i, i + ROWS_PER_STATEMENT).map((r) => tradeValues(r, r.fresh ? matchedSeq(stored, r) : undefined)))
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

/**
 * The journal seq of the event that created a fresh row: `event` indexes the batch's events (as
 * stored, same order); checked against the event's type and id, else undefined (JSON inline).
 */
function acceptedSeq(stored: readonly JournalEvent[], r: OrderRow): number | undefined {
  const e = r.event === undefined ? undefined : stored[r.event];
  return e?.type === 'OrderAccepted' && (e.payload as { orderId?: string }).orderId === r.id ? e.seq : undefined;
}

function matchedSeq(stored: readonly JournalEvent[], r: TradeRow): number | undefined {
  const e = r.event === undefined ? undefined : stored[r.event];
  return e?.type === 'TradeMatched' && (e.payload as { trade?: { id?: string } }).trade?.id === r.record.id ? e.seq : undefined;
}

const ORDER_COLUMNS = ['id', 'member_id', 'client_order_id', 'price', 'capacity_mbps', 'filled_mbps', 'status', 'close_reason', 'seq', 'spec', 'accepted_seq', 'created_at', 'updated_at'] as const;
const ORDER_UPDATED = ['price', 'capacity_mbps', 'filled_mbps', 'status', 'close_reason', 'seq', 'updated_at'];
const TRADE_COLUMNS = ['id', 'buyer_id', 'seller_id', 'status', 'closed_at', 'close_reason', 'record', 'matched_seq'] as const;
const TRADE_UPDATED = ['status', 'closed_at', 'close_reason'];

function upsertSql(table: string, cols: readonly string[], updated: readonly string[], rows = 1): string {
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  return `insert into ${table} (${cols.join(', ')}) values ${Array.from({ length: rows }, () => tuple).join(', ')} on conflict (id) do update set ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

function updateSql(table: string, updated: readonly string[]): string {
  return `update ${table} set ${updated.map((c) => `${c} = ?`).join(', ')} where id = ?`;
}

const ORDER_UPDATE = updateSql('market_orders', ORDER_UPDATED);
const TRADE_UPDATE = updateSql('market_trades', TRADE_UPDATED);
const UPSERTS = new Map<string, string>();

/**
 * Adds the multi-row upserts of `n` new rows to `out`: one write per chunk size (SQLITE_CHUNKS),
 * its statement run once per chunk; `put` writes row `i`'s parameters at `p`.
 */
function chunked(out: RowWrite[], table: 'market_orders' | 'market_trades', width: number, n: number, put: (params: unknown[], p: number, i: number) => void): void {
  let i = 0;
  for (const chunk of SQLITE_CHUNKS) {
    const runs = Math.floor((n - i) / chunk);
    if (runs === 0) continue;
    const key = `${table} ${chunk}`;
    let text = UPSERTS.get(key);
    if (text === undefined) {
      text = table === 'market_orders' ? upsertSql(table, ORDER_COLUMNS, ORDER_UPDATED, chunk) : upsertSql(table, TRADE_COLUMNS, TRADE_UPDATED, chunk);
      UPSERTS.set(key, text);
    }
    const params: unknown[] = new Array(runs * chunk * width);
    for (let k = 0; k < runs * chunk; k++) put(params, k * width, i + k);
    out.push([text, params, chunk * width, 0]);
    i += runs * chunk;
  }
}

/**
 * `sqlite`: the store's better-sqlite3 handle; when given, the projection runs prepared upserts on
 * it (they join the journal's transaction: one connection), which is several times cheaper than
 * building multi-row statements. The Kysely path serves PostgreSQL.
 */
export function createMarketRepo(db: Db, journal: Journal, sqlite?: SqliteDatabase.Database): MarketRepository {
  /** The market's batches depend on one another (MarketRepository.record): one journal chain. */
  let chain = journal.chain();
  const ordersJoined = () => db.selectFrom('market_orders as o').leftJoin('journal as j', 'j.seq', 'o.accepted_seq').selectAll('o').select('j.payload as src');
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepared = (text: string): SqliteDatabase.Statement => {
    let st = statements.get(text);
    if (!st) {
      st = sqlite!.prepare(text);
      statements.set(text, st);
    }
    return st;
  };

  /**
   * The order and trade rows of a batch as SQLite writes: updates of the rows that exist (their
   * changing columns; accepted or matched in an earlier batch, hence committed with it), then
   * the new rows as multi-row upserts. The same writes serve the projection (run here, on the
   * journal's connection) and the journal's writer thread (RowWrites). `missing`: an update
   * that changes no row (never, unless a row was lost) is redone as an insert with the JSON.
   */
  function writes(stored: readonly JournalEvent[], orders: OrderRow[], trades: TradeRow[], missing?: { orders: OrderRow[]; trades: TradeRow[] }): RowWrite[] {
    const out: RowWrite[] = [];
    const newOrders: OrderRow[] = [];
    const accepted: Array<number | undefined> = [];
    const orderUpdates: unknown[] = [];
    for (const r of orders) {
      if (r.fresh) {
        newOrders.push(r);
        accepted.push(acceptedSeq(stored, r));
      } else orderUpdates.push(String(r.price), r.capacityMbps, r.filledMbps, r.status, r.closeReason, r.seq, r.updatedAt, r.id);
    }
    if (missing) {
      for (const r of missing.orders) {
        newOrders.push(r);
        accepted.push(undefined);
      }
    }
    if (orderUpdates.length) out.push([ORDER_UPDATE, orderUpdates, ORDER_UPDATED.length + 1, 1]);
    chunked(out, 'market_orders', ORDER_COLUMNS.length, newOrders.length, (params, j, i) => {
      const r = newOrders[i];
      const s = r.spec;
      const ref = accepted[i];
      params[j] = r.id;
      params[j + 1] = s.memberId;
      params[j + 2] = s.clientOrderId ?? null;
      params[j + 3] = String(r.price);
      params[j + 4] = r.capacityMbps;
      params[j + 5] = r.filledMbps;
      params[j + 6] = r.status;
      params[j + 7] = r.closeReason;
      params[j + 8] = r.seq;
      params[j + 9] = ref === undefined ? JSON.stringify(specToJson(s)) : null;
      params[j + 10] = ref ?? null;
      params[j + 11] = r.createdAt;
      params[j + 12] = r.updatedAt;
    });
    const newTrades: TradeRow[] = [];
    const matched: Array<number | undefined> = [];
    const tradeUpdates: unknown[] = [];
    for (const r of trades) {
      if (r.fresh) {
        newTrades.push(r);
        matched.push(matchedSeq(stored, r));
      } else tradeUpdates.push(r.status, r.closedAt, r.closeReason, r.record.id);
    }
    if (missing) {
      for (const r of missing.trades) {
        newTrades.push(r);
        matched.push(undefined);
      }
    }
    if (tradeUpdates.length) out.push([TRADE_UPDATE, tradeUpdates, TRADE_UPDATED.length + 1, 1]);
    chunked(out, 'market_trades', TRADE_COLUMNS.length, newTrades.length, (params, j, i) => {
      const r = newTrades[i];
      const t = r.record;
      const ref = matched[i];
      params[j] = t.id;
      params[j + 1] = t.buyerId;
      params[j + 2] = t.sellerId;
      params[j + 3] = r.status;
      params[j + 4] = r.closedAt;
      params[j + 5] = r.closeReason;
      params[j + 6] = ref === undefined ? JSON.stringify(tradeToJson(t)) : null;
      params[j + 7] = ref ?? null;
    });
    return out;
  }

  /** Runs writes on the journal's connection; the updates that changed no row, by kind. */
  function run(ws: RowWrite[], orders: OrderRow[], trades: TradeRow[]): { orders: OrderRow[]; trades: TradeRow[] } {
    const missing = { orders: [] as OrderRow[], trades: [] as TradeRow[] };
    for (const [text, params, width, mustChange] of ws) {
      const st = prepared(text);
      const w = width === 0 ? params.length : width;
      for (let i = 0; i < params.length; i += w) {
        const res = st.run(w === params.length ? params : params.slice(i, i + w));
        if (mustChange && res.changes === 0) {
          const id = params[i + w - 1];
          if (text === ORDER_UPDATE) missing.orders.push(orders.find((r) => r.id === id)!);
          else missing.trades.push(trades.find((r) => r.record.id === id)!);
        }
      }
    }
    return missing;
  }

  return {
    get offloaded() {
      return journal.offloaded;
    },
    async record(events, orders, trades) {
      if (events.length === 0 && orders.length === 0 && trades.length === 0) return;
      if (!sqlite) {
        await journal.appendAll(
          events,
          async (tx, stored) => {
            if (orders.length) await upsertOrders(tx, orders, stored);
            if (trades.length) await upsertTrades(tx, trades, stored);
          },
          undefined,
          chain,
        );
        return;
      }
      await journal.appendAll(
        events,
        (_tx, stored) => {
          // On the journal's connection (inside its transaction): the writes, then any row an
          // update did not find, as a new row carrying its JSON.
          const missing = run(writes(stored, orders, trades), orders, trades);
          if (missing.orders.length || missing.trades.length) run(writes(stored, [], [], missing), orders, trades);
        },
        (stored) => writes(stored, orders, trades),
        chain,
      );
    },

    restart() {
      chain = journal.chain();
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
          apply(r.type, decodePayload(r.type, r.payload));
          n++;
        }
        if (rows.length < pageSize) return n;
        after = Number(rows[rows.length - 1].seq);
      }
    },

    async getOrder(id) {
      const r = await ordersJoined().where('o.id', '=', id).executeTakeFirst();
      return r ? orderFromRow(r) : undefined;
    },

    async listOrders(memberId, q: ListQuery & { open?: boolean }) {
      let s = ordersJoined().where('o.member_id', '=', memberId);
      if (q.after !== undefined) s = s.where('o.id', '>', q.after);
      if (q.open === true) s = s.where('o.status', '=', 'open');
      else if (q.open === false) s = s.where('o.status', '<>', 'open');
      const rows = await s.orderBy('o.id').limit(q.limit).execute();
      return rows.map(orderFromRow);
    },

    async listTrades(memberId, q) {
      let s = db
        .selectFrom('market_trades as t')
        .leftJoin('journal as j', 'j.seq', 't.matched_seq')
        .selectAll('t')
        .select('j.payload as src')
        .where((eb) => eb.or([eb('t.buyer_id', '=', memberId), eb('t.seller_id', '=', memberId)]));
      if (q.after !== undefined) s = s.where('t.id', '>', q.after);
      const rows = await s.orderBy('t.id').limit(q.limit).execute();
      return rows.map(tradeFromRow);
    },
  };
}

