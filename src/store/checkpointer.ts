/**
 * The journal's checkpointer (SQLite files in WAL mode): PASSIVE checkpoints on a worker thread
 * with its own connection, requested after commits and spaced by an interval, instead of SQLite
 * copying the WAL into the database file inside the commit that crosses its 1000-page mark. See
 * JournalConfig.backgroundCheckpoint and docs/operations.md.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import type { Reporter } from '../lib/index.ts';

/**
 * The checkpointer thread: its own connection to the file, PASSIVE checkpoints on request (they
 * never block the writer, and copy only committed frames), synchronous=FULL so the database file
 * is fsynced before SQLite may reuse the WAL.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  let err = null;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { err = String(e && e.message || e); }
  parentPort.postMessage(err);
});
`;

export interface Checkpointer {
  /** Asks for a checkpoint unless one is running (the next one then covers this commit too). */
  poke(): void;
  stop(): Promise<void>;
}

/** `restore(n)`: sets wal_autocheckpoint back to n on the other connections that commit (the writer's). */
export function startCheckpointer(sqlite: SqliteDatabase.Database, reporter: Reporter, intervalMs: number, restore: (n: number) => void): Checkpointer | undefined {
  if (sqlite.memory || sqlite.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
  const before = Number(sqlite.pragma('wal_autocheckpoint', { simple: true }));
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { file: sqlite.name, driver } });
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  let busy = false;
  let again = false;
  let dead = false;
  const checkpoints = reporter.counter('bandex_journal_checkpoints_total', 'Background WAL checkpoints run (SQLite)');
  let lastStart = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  /** Starts a checkpoint now, or arms the timer for when the interval since the last one is up. */
  const begin = () => {
    const wait = lastStart + intervalMs - performance.now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        if (!dead) begin();
      }, wait).unref();
      return;
    }
    busy = true;
    lastStart = performance.now();
    worker.postMessage('ckpt');
  };
  const fallBack = (err: unknown) => {
    if (dead) return;
    dead = true;
    clearTimeout(timer);
    reporter.error('journal', 'CHECKPOINTER_FAILED', err);
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${before}`);
    restore(before);
  };
  worker.on('message', (err: string | null) => {
    busy = false;
    checkpoints.inc();
    if (err !== null) reporter.error('journal', 'CHECKPOINT_FAILED', new Error(err));
    if (again) {
      again = false;
      begin();
    }
  });
  worker.on('error', fallBack);
  worker.on('exit', (code) => {
    if (code !== 0) fallBack(new Error(`checkpointer exited with ${code}`));
  });
  return {
    poke() {
      if (dead) return;
      if (busy) again = true;
      else begin();
    },
    async stop() {
      if (dead) return;
      dead = true;
      clearTimeout(timer);
      const exited = new Promise((r) => worker.once('exit', r));
      worker.ref(); // an unref'd worker's exit would not keep the process alive until it comes
      worker.postMessage('close');
      await exited;
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${before}`);
      restore(before);
    },
  };
}
