/**
 * Lean market rows. An order's spec and a trade's record were written twice per command: as the
 * journal event's payload and again as JSON in market_orders.spec / market_trades.record. New
 * rows now point at their event (`accepted_seq`, `matched_seq`: the journal seq of the
 * OrderAccepted / TradeMatched event) and leave the JSON column null; reads join the journal.
 * Rows written before keep their JSON (the join is a left join; the column wins when present).
 * `market_orders_client` becomes partial (most orders have no client order id; NULLs never
 * collide in a unique index anyway). On SQLite both tables are rebuilt WITHOUT ROWID: their key
 * is the text id, so a rowid table kept a second b-tree (the id index) beside the rows.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table market_orders alter column spec drop not null`.execute(db);
    await sql`alter table market_orders add column accepted_seq bigint`.execute(db);
    await sql`alter table market_trades alter column record drop not null`.execute(db);
    await sql`alter table market_trades add column matched_seq bigint`.execute(db);
    await sql`drop index market_orders_client`.execute(db);
    await sql`create unique index market_orders_client on market_orders (member_id, client_order_id) where client_order_id is not null`.execute(db);
    return;
  }
  await sql`create table market_orders_next (
      id text primary key,
      member_id text not null,
      client_order_id text,
      side text not null,
      destination text not null,
      protocol text not null,
      price text not null,
      capacity_mbps bigint not null,
      filled_mbps bigint not null,
      status text not null,
      close_reason text,
      seq bigint not null,
      start_at bigint not null,
      end_at bigint not null,
      spec text,
      accepted_seq bigint,
      created_at bigint not null,
      updated_at bigint not null) without rowid`.execute(db);
  await sql`insert into market_orders_next (id, member_id, client_order_id, side, destination, protocol, price, capacity_mbps, filled_mbps, status, close_reason, seq, start_at, end_at, spec, created_at, updated_at)
    select id, member_id, client_order_id, side, destination, protocol, price, capacity_mbps, filled_mbps, status, close_reason, seq, start_at, end_at, spec, created_at, updated_at
    from market_orders`.execute(db);
  await sql`drop table market_orders`.execute(db);
  await sql`alter table market_orders_next rename to market_orders`.execute(db);
  await sql`create index market_orders_member on market_orders (member_id, id)`.execute(db);
  await sql`create unique index market_orders_client on market_orders (member_id, client_order_id) where client_order_id is not null`.execute(db);

  await sql`create table market_trades_next (
      id text primary key,
      buyer_id text not null,
      seller_id text not null,
      buy_order_id text not null,
      sell_order_id text not null,
      destination text not null,
      capacity_mbps bigint not null,
      price text not null,
      start_at bigint not null,
      end_at bigint not null,
      status text not null,
      closed_at bigint,
      close_reason text,
      record text,
      matched_seq bigint,
      matched_at bigint not null) without rowid`.execute(db);
  await sql`insert into market_trades_next (id, buyer_id, seller_id, buy_order_id, sell_order_id, destination, capacity_mbps, price, start_at, end_at, status, closed_at, close_reason, record, matched_at)
    select id, buyer_id, seller_id, buy_order_id, sell_order_id, destination, capacity_mbps, price, start_at, end_at, status, closed_at, close_reason, record, matched_at
    from market_trades`.execute(db);
  await sql`drop table market_trades`.execute(db);
  await sql`alter table market_trades_next rename to market_trades`.execute(db);
  await sql`create index market_trades_buyer on market_trades (buyer_id, id)`.execute(db);
  await sql`create index market_trades_seller on market_trades (seller_id, id)`.execute(db);
}
