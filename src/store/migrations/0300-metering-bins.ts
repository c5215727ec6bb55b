import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('metering_bins')
    .addColumn('port_id', 'text', (c) => c.notNull())
    .addColumn('bin_ms', 'bigint', (c) => c.notNull())
    .addColumn('bin_start', 'bigint', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('in_bytes', 'bigint', (c) => c.notNull())
    .addColumn('out_bytes', 'bigint', (c) => c.notNull())
    .addColumn('in_packets', 'bigint', (c) => c.notNull())
    .addColumn('out_packets', 'bigint', (c) => c.notNull())
    // the primary key is also the query path: one port, one bin length, a time range
    .addPrimaryKeyConstraint('metering_bins_pk', ['port_id', 'bin_ms', 'bin_start', 'dimension', 'key'])
    .execute();
  await db.schema
    .createTable('metering_destinations')
    .addColumn('port_id', 'text', (c) => c.notNull())
    .addColumn('bin_ms', 'bigint', (c) => c.notNull())
    .addColumn('bin_start', 'bigint', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('metering_destinations_pk', ['port_id', 'bin_ms', 'bin_start', 'prefix'])
    .execute();
}
