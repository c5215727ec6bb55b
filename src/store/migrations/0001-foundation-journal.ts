import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  // seq is assigned by the single writer (the journal) so a group commit is one multi-row insert.
  await db.schema
    .createTable('journal')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('topic', 'text')
    .addColumn('private', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('journal_type_seq').on('journal').columns(['type', 'seq']).execute();
  await db.schema
    .createTable('journal_audience')
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('journal_audience_pk', ['member_id', 'seq'])
    .execute();
}
