/**
 * Market rows without copies of their event. Since 0101 a row points at its OrderAccepted /
 * TradeMatched event (or carries the JSON), and every read takes the spec or record from there;
 * the columns that repeated it were still written on each new row and read by nothing:
 * side, destination, protocol, start_at and end_at of an order; buy_order_id, sell_order_id,
 * destination, capacity_mbps, price, start_at, end_at and matched_at of a trade (whose
 * capacity and price never change). They are dropped. What stays is the key, what the lists
 * filter on (member, buyer, seller, status, client order id), the order's changing figures and
 * the pointer. Binding and storing eleven fewer values per order was about a tenth of an
 * acknowledged order's cost (docs/market.md, bench (c)).
 *
 * SQLite rebuilds both tables (WITHOUT ROWID, as 0101 made them: DROP COLUMN would rewrite them
 * anyway, once per column); PostgreSQL drops the columns in place.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

const ORDER_DROPPED = ['side', 'destination', 'protocol', 'start_at', 'end_at'];
const TRADE_DROPPED = ['buy_order_id', 'sell_order_id', 'destination', 'capacity_mbps', 'price', 'start_at', 'end_at', 'matched_at'];

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    for (const c of ORDER_DROPPED) await sql`alter table market_orders drop column ${sql.ref(c)}`.execute(db);
    for (const c of TRADE_DROPPED) await sql`alter table market_trades drop column ${sql.ref(c)}`.execute(db);
    return;
  }
  await sql`create table market_orders_next (
      id text primary key,
      member_id text not null,
      client_order_id text,
      price text not null,
      capacity_mbps bigint not null,
      filled_mbps bigint not null,
      status text not null,
      close_reason text,
      seq bigint not null,
      spec text,
      accepted_seq bigint,
      created_at bigint not null,
      updated_at bigint not null) without rowid`.execute(db);
  await sql`insert into market_orders_next (id, member_id, client_order_id, price, capacity_mbps, filled_mbps, status, close_reason, seq, spec, accepted_seq, created_at, updated_at)
    select id, member_id, client_order_id, price, capacity_mbps, filled_mbps, status, close_reason, seq, spec, accepted_seq, created_at, updated_at
    from market_orders`.execute(db);
  await sql`drop table market_orders`.execute(db);
  await sql`alter table market_orders_next rename to market_orders`.execute(db);
  await sql`create index market_orders_member on market_orders (member_id, id)`.execute(db);
  await sql`create unique index market_orders_client on market_orders (member_id, client_order_id) where client_order_id is not null`.execute(db);

  await sql`create table market_trades_next (
      id text primary key,
      buyer_id text not null,
      seller_id text not null,
      status text not null,
      closed_at bigint,
      close_reason text,
      record text,
      matched_seq bigint) without rowid`.execute(db);
  await sql`insert into market_trades_next (id, buyer_id, seller_id, status, closed_at, close_reason, record, matched_seq)
    select id, buyer_id, seller_id, status, closed_at, close_reason, record, matched_seq
    from market_trades`.execute(db);
  await sql`drop table market_trades`.execute(db);
  await sql`alter table market_trades_next rename to market_trades`.execute(db);
  await sql`create index market_trades_buyer on market_trades (buyer_id, id)`.execute(db);
  await sql`create index market_trades_seller on market_trades (seller_id, id)`.execute(db);
}
