import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('market_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('client_order_id', 'text')
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('price', 'text', (c) => c.notNull())
    .addColumn('capacity_mbps', 'bigint', (c) => c.notNull())
    .addColumn('filled_mbps', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('close_reason', 'text')
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // "My orders" pages by id; the client order id is unique per member (idempotent retries).
  await db.schema.createIndex('market_orders_member').on('market_orders').columns(['member_id', 'id']).execute();
  await db.schema.createIndex('market_orders_client').on('market_orders').columns(['member_id', 'client_order_id']).unique().execute();
  await db.schema
    .createTable('market_trades')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('buyer_id', 'text', (c) => c.notNull())
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('buy_order_id', 'text', (c) => c.notNull())
    .addColumn('sell_order_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('capacity_mbps', 'bigint', (c) => c.notNull())
    .addColumn('price', 'text', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('close_reason', 'text')
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('matched_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('market_trades_buyer').on('market_trades').columns(['buyer_id', 'id']).execute();
  await db.schema.createIndex('market_trades_seller').on('market_trades').columns(['seller_id', 'id']).execute();
}
