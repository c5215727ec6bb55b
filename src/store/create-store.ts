/**
 * One Kysely code path over two engines. SQLite (better-sqlite3) runs in WAL mode with
 * `synchronous=FULL` by default: WAL lets readers proceed during a write, and FULL fsyncs the WAL
 * on every commit, so an acknowledged event survives a power cut, not only a process crash.
 * Group commit (one transaction per event-loop turn, see journal.ts) amortises that fsync over
 * every command of the turn, which is what makes FULL affordable. `normal` is available for
 * throw-away installations (survives kill -9, may lose the last commits on power loss).
 *
 * PostgreSQL: a pg Pool; int8 (bigint) values are parsed to JS numbers (ids of events and epoch
 * ms stay far below 2^53; money is stored as text, never as bigint).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Reporter } from '../lib/index.ts';
import type { Database, Dialect } from './database.ts';
import { storeErrors } from './errors.ts';
import { migrate, type Migration } from './migrate.ts';
import { migrations as allMigrations } from './migrations/index.ts';

export type StoreConfig =
  | { kind: 'sqlite'; path: string; synchronous?: 'full' | 'normal' }
  | { kind: 'postgres'; url: string; poolSize?: number };

export interface StoreDeps {
  reporter?: Reporter;
  /** Replace the migration list (tests of the migrator). */
  migrations?: readonly Migration[];
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * The better-sqlite3 handle behind `db` (SQLite only). Statements run on it inside a Kysely
   * transaction are part of that transaction (one connection); the journal uses it for its
   * prepared insert, the one hot path where Kysely's query building would dominate.
   */
  readonly sqlite?: SqliteDatabase.Database;
  /** Applies pending migrations; returns the ids applied now. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export function createStore(cfg: StoreConfig, deps: StoreDeps = {}): Store {
  let db: Kysely<Database>;
  let sqlite: SqliteDatabase.Database | undefined;
  if (cfg.kind === 'sqlite') {
    if (cfg.path !== ':memory:') mkdirSync(dirname(cfg.path), { recursive: true });
    const raw = new SqliteDatabase(cfg.path);
    raw.pragma('journal_mode = WAL');
    raw.pragma(`synchronous = ${cfg.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    sqlite = raw;
  } else {
    const pool = new pg.Pool({
      connectionString: cfg.url,
      max: cfg.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    pool.on('error', (err) => deps.reporter?.error('store', 'STORE_UNAVAILABLE', err));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const dialect: Dialect = cfg.kind;
  let closed = false;
  return {
    db,
    dialect,
    ...(sqlite ? { sqlite } : {}),
    async migrate() {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        throw storeErrors.make('STORE_UNAVAILABLE', `cannot reach the ${dialect} database: ${(e as Error).message}`, { cause: e });
      }
      return migrate(db, dialect, deps.migrations ?? allMigrations);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
