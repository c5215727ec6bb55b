/**
 * The journal's writer thread (SQLite file databases): a worker with its own connection that
 * runs a group commit's statements — its events and the row writes its commands declared — so
 * that SQLite's own work (b-tree inserts, page writes, COMMIT), about a third of an acknowledged
 * order's main-thread time, runs on another core while the main thread matches the next orders.
 *
 * One group at a time (the journal never sends a second before the first is done), so the
 * writer is the only writer while a group is out, exactly as the main connection is when the
 * journal commits there. A group arrives as plain arrays (structured clone): the events as one
 * flat parameter array, then the row writes (RowWrite); statements are
 * prepared once per SQL text. `mustChange` marks an UPDATE that must touch a row: the row was
 * expected to exist, and when it does not the group is rolled back and the journal redoes it on
 * the main thread, where the command's own projection knows what to do instead.
 *
 * The outcome is posted as a message and also stored in a shared Int32Array, so the main thread
 * can see a finished group in the middle of a long synchronous turn (the journal polls it on each
 * append) and send the next one at once instead of after the turn.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/**
 * Row writes: a statement run once per `width` parameters of `params` (0: once, with all of
 * them), so a thousand updates travel as one flat array; `mustChange` 1 when each run must
 * change a row (see above).
 */
export type RowWrite = [sql: string, params: unknown[], width: number, mustChange: 0 | 1];

/** A group as sent: `events` holds EVENT_COLUMNS values per event, row after row. */
export interface WriterGroup {
  id: number;
  events: unknown[];
  writes: RowWrite[];
}

/**
 * How a group ended. `statement`: rolled back, nothing written. `commit`: outcome unknown.
 * `busyUs`: the thread's time on a committed group, from BEGIN to the end of COMMIT (µs).
 */
export type WriterOutcome = { ok: true; busyUs: number } | { ok: false; phase: 'statement' | 'commit'; message: string };

const EVENT_COLUMNS = 8;

const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
for (const p of workerData.pragmas) db.pragma(p);
const state = new Int32Array(workerData.state);
const statements = new Map();
const prepared = (sql) => {
  let st = statements.get(sql);
  if (!st) { st = db.prepare(sql); statements.set(sql, st); }
  return st;
};
const CHUNKS = [256, 64, 16, 4, 1];
const W = ${EVENT_COLUMNS};
const insertSql = (n) => 'insert into journal (seq, time, type, actor, topic, private, audience, payload) values ' + Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
function insertEvents(flat) {
  const rows = flat.length / W;
  let i = 0;
  for (const chunk of CHUNKS) {
    if (rows - i < chunk) continue;
    const st = prepared(insertSql(chunk));
    while (rows - i >= chunk) {
      st.run(flat.length === chunk * W ? flat : flat.slice(i * W, (i + chunk) * W));
      i += chunk;
    }
  }
}
const done = (id, outcome) => {
  if (outcome.ok) Atomics.store(state, 2, outcome.busyUs);
  Atomics.store(state, 1, outcome.ok ? 1 : 2);
  Atomics.store(state, 0, id);
  parentPort.postMessage({ id, outcome });
};
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  if (typeof m.pragma === 'string') {
    try { db.pragma(m.pragma); } catch (e) { parentPort.postMessage({ pragmaFailed: m.pragma + ': ' + String((e && e.message) || e) }); }
    return;
  }
  let phase = 'statement';
  const t0 = performance.now();
  try {
    db.exec('begin immediate');
    insertEvents(m.events);
    for (const [sql, params, width, mustChange] of m.writes) {
      const st = prepared(sql);
      const w = width === 0 ? params.length : width;
      for (let i = 0; i < params.length; i += w) {
        const r = st.run(w === params.length ? params : params.slice(i, i + w));
        if (mustChange && r.changes === 0) throw new Error('a row write found no row to change: ' + sql.slice(0, 60));
      }
    }
    phase = 'commit';
    db.exec('commit');
    done(m.id, { ok: true, busyUs: Math.round((performance.now() - t0) * 1000) });
  } catch (e) {
    let rolledBack = !db.inTransaction;
    if (!rolledBack) { try { db.exec('rollback'); rolledBack = true; } catch {} }
    // A failed COMMIT that SQLite rolled back wrote nothing either.
    done(m.id, { ok: false, phase: rolledBack && phase === 'statement' ? 'statement' : 'commit', message: String((e && e.message) || e) });
  }
});
`;

export interface SqliteWriter {
  /** Sends a group; `onDone` runs once, from `poll()` or from the worker's message. */
  send(group: WriterGroup, onDone: (o: WriterOutcome) => void): void;
  /** True when the group out has been committed by the worker and poll() would finish it. */
  ready(): boolean;
  /** Finishes the group out if the worker has committed it; true if it did. */
  poll(): boolean;
  /** Runs a pragma on the writer's connection (after the statements already sent). */
  pragma(p: string): void;
  /** False once the worker died: the journal then commits on the main thread. */
  readonly alive: boolean;
  stop(): Promise<void>;
}

/**
 * Starts the writer for `sqlite`'s file with the same synchronous, foreign_keys and busy_timeout
 * settings; `autocheckpoint` false when the journal's checkpointer copies the WAL instead.
 * `onError`: the thread died, or a pragma failed on it (both counted and logged by the journal).
 */
export function startSqliteWriter(sqlite: SqliteDatabase.Database, opts: { autocheckpoint: boolean; onError: (err: unknown) => void }): SqliteWriter {
  const pragma = (p: string) => sqlite.pragma(p, { simple: true }) as number;
  const pragmas = [
    'busy_timeout = 5000',
    `synchronous = ${pragma('synchronous')}`,
    `foreign_keys = ${pragma('foreign_keys')}`,
    `cache_size = ${pragma('cache_size')}`,
    ...(opts.autocheckpoint ? [] : ['wal_autocheckpoint = 0']),
  ];
  // [id of the last group done, 1 committed / 2 failed, busyUs of the last committed group]
  const state = new SharedArrayBuffer(12);
  const flags = new Int32Array(state);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WRITER, { eval: true, workerData: { file: sqlite.name, driver, pragmas, state } });
  worker.unref();
  let alive = true;
  let out: { id: number; onDone: (o: WriterOutcome) => void } | undefined;
  const finish = (id: number, outcome: WriterOutcome) => {
    if (!out || out.id !== id) return;
    const { onDone } = out;
    out = undefined;
    if (alive) worker.unref();
    onDone(outcome);
  };
  worker.on('message', (m: { id: number; outcome: WriterOutcome } | { pragmaFailed: string }) => {
    if ('pragmaFailed' in m) opts.onError(new Error(`the writer thread's pragma ${m.pragmaFailed}`));
    else finish(m.id, m.outcome);
  });
  const die = (err: unknown) => {
    if (!alive) return;
    alive = false;
    opts.onError(err);
    // Whatever the group out did is unknown: treated as a failed COMMIT.
    if (out) finish(out.id, { ok: false, phase: 'commit', message: `the writer thread stopped: ${(err as Error)?.message ?? String(err)}` });
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`the writer thread exited with ${code}`)));
  return {
    get alive() {
      return alive;
    },
    send(group, onDone) {
      if (out) throw new Error('sqlite writer: a group is already out');
      out = { id: group.id, onDone };
      worker.ref(); // a group out keeps the process alive until it is answered
      worker.postMessage(group);
    },
    ready() {
      // Only success is finished early; a failure's message (with its text) comes as an event.
      return out !== undefined && Atomics.load(flags, 0) === out.id && Atomics.load(flags, 1) === 1;
    },
    poll() {
      if (!this.ready()) return false;
      finish(out!.id, { ok: true, busyUs: Atomics.load(flags, 2) });
      return true;
    },
    pragma(p) {
      if (alive) worker.postMessage({ pragma: p });
    },
    async stop() {
      if (!alive) return;
      alive = false;
      const exited = new Promise((r) => worker.once('exit', r));
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
