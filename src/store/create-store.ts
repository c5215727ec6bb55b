/**
 * One Kysely code path over two engines. SQLite (better-sqlite3) runs in WAL mode (readers
 * proceed during a write). Its fsync policy, `synchronous`:
 *  - `pipelined` (default): commits run with SQLite's `synchronous=NORMAL` (no fsync inside the
 *    commit) and the journal acknowledges a group only after an `fdatasync` of the WAL, run on the
 *    libuv thread pool, that started after the group's commit (wal-sync.ts; the argument that this
 *    is as durable as FULL for acknowledged writes, power loss included, is in journal.ts). The
 *    event loop never waits for the disk, and the next group commits while the previous one syncs.
 *  - `full`: SQLite's `synchronous=FULL`, the fsync of the WAL inside every commit, on the event
 *    loop (the behaviour before `pipelined`; same durability, slower).
 *  - `normal`: no fsync for acknowledgements at all, for throw-away installations (survives
 *    kill -9, may lose the last acknowledged commits on power loss).
 * Group commit (one transaction per event-loop turn, see journal.ts) amortises the fsync over
 * every command of the turn.
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
import { createWalSync, type WalSync } from './wal-sync.ts';

export type SqliteSynchronous = 'pipelined' | 'full' | 'normal';

export type StoreConfig =
  | { kind: 'sqlite'; path: string; synchronous?: SqliteSynchronous }
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

/** The WAL syncer of each `pipelined` SQLite handle: the journal finds it from the handle it is given. */
const walSyncs = new WeakMap<SqliteDatabase.Database, WalSync>();

/** The WAL syncer the journal must await before acknowledging, if the store runs `pipelined`. */
export function walSyncOf(sqlite: SqliteDatabase.Database): WalSync | undefined {
  return walSyncs.get(sqlite);
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
    // `pipelined` needs a WAL on a file (the syncer syncs the -wal file); in-memory databases have
    // nothing to lose to a power cut, anything else falls back to FULL.
    const wal = !raw.memory && raw.pragma('journal_mode', { simple: true }) === 'wal';
    const mode = cfg.synchronous ?? 'pipelined';
    raw.pragma(`synchronous = ${mode === 'normal' || (mode === 'pipelined' && (wal || raw.memory)) ? 'NORMAL' : 'FULL'}`);
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    if (mode === 'pipelined' && wal) walSyncs.set(raw, createWalSync(raw.name));
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
      if (sqlite) await walSyncs.get(sqlite)?.close();
    },
  };
}
