import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('route_prefixes')
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('family', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('route_prefixes_pk', ['member_id', 'prefix'])
    .execute();
  await db.schema
    .createTable('route_policies')
    .addColumn('member_id', 'text', (c) => c.primaryKey().references('members.id'))
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
