import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('quality_measurements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addColumn('rtts', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('as_hops', 'integer')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  // Start-up replays the measurements still inside the statistics window: by time.
  await db.schema.createIndex('quality_measurements_at').on('quality_measurements').column('at').execute();
  await db.schema.createIndex('quality_measurements_provider').on('quality_measurements').columns(['provider', 'destination']).execute();
  await db.schema
    .createTable('quality_targets')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('port', 'integer')
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('lane', 'text', (c) => c.notNull())
    .addColumn('source_address', 'text')
    .execute();
  await db.schema
    .createTable('quality_agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
}
