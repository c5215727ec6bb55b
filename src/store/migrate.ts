/**
 * Versioned migrations, applied at start on both dialects. Each runs in its own transaction with
 * its row in `schema_migrations`, so a failure leaves the schema at the previous version. On
 * PostgreSQL an advisory lock serialises two nodes starting at once.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, Dialect } from './database.ts';
import { storeErrors } from './errors.ts';

export interface Migration {
  /** `NNNN-area-what`, the file name without extension. */
  id: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

const LOCK_ID = 0x62616e64; // 'band'

export async function migrate(db: Kysely<Database>, dialect: Dialect, migrations: readonly Migration[]): Promise<string[]> {
  const sorted = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  const seen = new Set<string>();
  for (const m of sorted) {
    const num = m.id.slice(0, 4);
    if (!/^\d{4}-[a-z0-9]+(-[a-z0-9]+)*$/.test(m.id) || seen.has(num)) {
      throw storeErrors.make('STORE_MIGRATION_FAILED', `migration id ${m.id} must be NNNN-area-what with a unique number`);
    }
    seen.add(num);
  }
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const applied: string[] = [];
  for (const m of sorted) {
    await db.transaction().execute(async (tx) => {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${LOCK_ID})`.execute(tx);
      const done = await tx.selectFrom('schema_migrations').select('id').where('id', '=', m.id).executeTakeFirst();
      if (done) return;
      try {
        await m.up(tx as unknown as Kysely<unknown>, dialect);
      } catch (e) {
        throw storeErrors.make('STORE_MIGRATION_FAILED', `migration ${m.id} failed: ${(e as Error).message}`, { cause: e });
      }
      await tx.insertInto('schema_migrations').values({ id: m.id, applied_at: Date.now() }).execute();
      applied.push(m.id);
    });
  }
  return applied;
}
