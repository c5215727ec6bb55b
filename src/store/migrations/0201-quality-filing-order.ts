import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** Filing order (journal seq, place in the batch), so start-up replays measurements as they came. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('quality_measurements').addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('quality_measurements').addColumn('pos', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('quality_measurements_order').on('quality_measurements').columns(['seq', 'pos']).execute();
}
