/**
 * The append-only journal with group commit.
 *
 * Every state change is an event written before the caller gets an answer. `append()` queues the
 * command; the first append of an event-loop turn schedules a flush with setImmediate, so every
 * command of that turn (and any that arrive while a flush is running) share ONE transaction:
 * each command's projection runs inside its own SAVEPOINT (a failing projection rolls back only
 * its own rows and rejects only its own caller), then the events of all surviving commands go in
 * as multi-row inserts, then COMMIT. Promises resolve only once the events are durable: after
 * COMMIT returned (`synchronous=full`: SQLite fsyncs the WAL inside it; PostgreSQL: its own WAL
 * flush) or, on SQLite's default `pipelined` mode, after the fsync that follows it (below).
 * Subscribers then see the events in seq order. Order is always commit → durable → answer and
 * publish. Seq numbers are assigned here, by the single writer, so they are gap-free.
 *
 * Pipelined sync (SQLite, `synchronous: 'pipelined'`, the default; see create-store.ts and
 * wal-sync.ts). The group commits with `PRAGMA synchronous=NORMAL`, so COMMIT does no fsync; then
 * an `fdatasync` of the `-wal` file runs on the libuv thread pool, and the group's waiters are
 * answered (and its events published, `lastSeq()` and `read()` moved on) only when a sync that
 * STARTED AFTER the group's commit has completed. Meanwhile the next group commits; one sync at a
 * time, each covering every group committed before it started, so acknowledgements stay in commit
 * order. Why an acknowledged group survives a power cut exactly as with FULL:
 *  - In WAL mode a commit appends the transaction's frames, the last one marked as the commit
 *    frame, to the WAL with write() before COMMIT returns (https://www.sqlite.org/wal.html, "How
 *    WAL Works"); FULL differs from NORMAL only by "an additional sync operation of the WAL file
 *    after each transaction commit" (https://www.sqlite.org/pragma.html#pragma_synchronous). That
 *    sync is what we do, later but before answering: fdatasync flushes every dirty page of the
 *    inode, whoever wrote it, so once it returns the frames are on stable storage and recovery
 *    (which replays valid frames up to the last commit frame, wal.html) finds the transaction.
 *  - Could the frames have left the WAL before our sync, with no durable copy? Only a checkpoint
 *    moves them, and with NORMAL (our connection) or FULL (the checkpointer thread's connection)
 *    "the WAL file is synchronized before each checkpoint and the database file is synchronized
 *    after each completed checkpoint", and the WAL is restarted (overwritten from the start) only
 *    after a checkpoint has copied every frame, its header "synchronized when a WAL file begins
 *    to be reused" (pragma synchronous). So a frame is overwritten only once its page is durable
 *    in the database file. The database file itself is written only by checkpoints.
 *  - The WAL may be truncated or restarted (same inode: the fd stays right) or, once every
 *    connection closed, deleted and recreated: wal-sync.ts compares inodes and reopens, and
 *    fsyncs the directory once per opened file.
 *  - WAL mode with NORMAL "is always consistent" (pragma synchronous): a power cut loses only a
 *    suffix of commits, never a middle one, and those commits were never acknowledged; a process
 *    crash (kill -9) loses nothing committed, the frames are in the OS page cache.
 * What NORMAL does weaken: a reader of the TABLES (other areas' repositories) may see a group's
 * rows a few milliseconds before it is durable; the journal's own `read()` and `lastSeq()` stop at
 * the last durable seq. If a sync fails, nothing after the last good sync may be acknowledged and
 * an fsync cannot be retried (the kernel may have dropped the dirty pages): the waiters get
 * JOURNAL_SYNC_FAILED and the journal refuses every further append until the process restarts.
 *
 * Writer thread (SQLite files, `writerThread`; sqlite-writer.ts). A group with commands that
 * declare their rows as data (RowWrites, beside their projection) and none with only a projection
 * commits on a worker with its own connection (groups of bare events stay here, where they are
 * cheaper: see offloadable()): seqs are numbered and payloads encoded here, the worker runs the inserts and the
 * COMMIT, then the sync and the answers go on as above. One group is out at a time, and the
 * main connection writes only when none is, so there is still a single writer. The worker's
 * answer may come in the middle of a long turn (thousands of orders answered at once): every
 * append looks at its shared flag and sends the next group at once, and an idle worker gets a
 * group as soon as `eagerEvents` are queued, so such a turn overlaps its own commits. A group the
 * worker rolled back (a row write that must change a row found none) is committed again here
 * with the commands' projections; a failed COMMIT there is handled like one here (resync).
 *
 * Chains: a caller whose commands build on one another's effects (the market: a batch's trades
 * take orders accepted in the batch before) appends them on one `chain()`. Once a command of a
 * chain is not committed (its group failed, its projection refused it, its outcome is unknown),
 * every later command of the chain is refused with STORE_UNAVAILABLE instead of committing on
 * a state that never was: the journal only ever holds a prefix of a chain. The caller starts a
 * new chain once it has rebuilt its state from what the journal holds.
 *
 * Command context: the API's Idempotency-Key handling runs a request's handler inside
 * `runInCommandContext({ idempotency }, fn)`; every append made from that async context carries
 * the key's record, and the flush writes the records of the commands that survived their
 * projection in the SAME transaction as their events (bulk, like the events: the hot path stays
 * one statement per batch). So a request's key commits with its command: once a command is
 * durable, a retry can never run it again.
 */
import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { BandexError, type Clock, type EventQuery, type EventSource, type JournalEvent, type NewEvent, type Reporter } from '../lib/index.ts';
import type SqliteDatabase from 'better-sqlite3';
import { walSyncOf } from './create-store.ts';
import type { Db, Dialect, Tx } from './database.ts';
import { decodeAudience, encodeAudience, escapeMember } from './audience.ts';
import { type CommandContext, commandContext } from './command-context.ts';
import { IDEM_SQL, idempotencyInserter, idempotencyParams } from './idempotency-rows.ts';
import { type Checkpointer, startCheckpointer } from './checkpointer.ts';
import { storeErrors } from './errors.ts';
import { decodePayload, encodePayload } from './payload-codec.ts';
import { type RowWrite, type SqliteWriter, type WriterOutcome, startSqliteWriter } from './sqlite-writer.ts';

/** Writes the area's table rows for the events, inside the journal's transaction. Use only `tx`. */
export type Projection<S> = (tx: Tx, stored: S) => Promise<void> | void;

/**
 * The same rows as data, for the SQLite writer thread (sqlite-writer.ts): built from the stored
 * events (seqs set). A command that gives them must give its Projection too: the journal runs
 * that instead when the group commits on the main thread (PostgreSQL, an in-memory database, a
 * group with another command that has only a Projection, or a group the writer refused).
 */
export type RowWrites<S> = (stored: S) => RowWrite[];
export type { RowWrite } from './sqlite-writer.ts';
export { type CommandContext, IDEMPOTENCY_PENDING, type IdempotencyRecord, runInCommandContext } from './command-context.ts';


export interface JournalConfig {
  /** false: one transaction per command (the reference the benchmark compares against). */
  groupCommit: boolean;
  /** Most commands in one transaction; the rest go in the next. */
  maxBatch: number;
  /**
   * SQLite file databases: copy the WAL into the database file (checkpoint) on a worker thread
   * with its own connection, after each commit, instead of inside the commit that crosses
   * SQLite's 1000-page mark. Durability is the commit's fsync of the WAL either way. The thread
   * starts once the WAL file has grown past `backgroundCheckpointAfterBytes` (a quiet or short-lived
   * database never pays for it).
   */
  backgroundCheckpoint: boolean;
  backgroundCheckpointAfterBytes: number;
  /**
   * Least time between the starts of two background checkpoints. Under load, commits come
   * faster than checkpoints finish; checkpointing back to back copied the same hot pages (the
   * tables' and indexes' last leaves) into the file again after every group, and fsynced the file
   * each time. Waiting lets one checkpoint copy many commits' versions of a page once; the WAL
   * grows by at most what this many milliseconds of commits write.
   */
  checkpointIntervalMs: number;
  /**
   * SQLite file databases: commit groups whose commands declare their rows as data (RowWrites)
   * on a writer thread with its own connection (sqlite-writer.ts), off the event loop.
   */
  writerThread: boolean;
  /**
   * With the writer thread: when it is idle and this many events are queued, the group goes at
   * once instead of at the end of the event-loop turn, so a long turn (thousands of orders
   * answered at once) overlaps its own commits.
   */
  eagerEvents: number;
}

export const journalDefaults: JournalConfig = {
  groupCommit: true,
  maxBatch: 5000,
  backgroundCheckpoint: true,
  backgroundCheckpointAfterBytes: 4 << 20,
  checkpointIntervalMs: 1000,
  writerThread: true,
  eagerEvents: 256,
};

/**
 * Commands that depend on the ones before them (see the module comment): `broken` is the error
 * that kept one of them from committing, after which every later one is refused.
 */
export interface CommandChain {
  readonly broken: unknown;
}

export interface Journal extends EventSource {
  start(): Promise<void>;
  /** Appends one event; resolves with the stored event after commit. */
  append<P>(event: NewEvent<P>, project?: Projection<JournalEvent<P>>): Promise<JournalEvent<P>>;
  /**
   * Appends several events atomically (one command); resolves after commit. `rows`: the
   * projection's rows as data, which lets the group commit on the writer thread (RowWrites).
   */
  appendAll(events: readonly NewEvent[], project?: Projection<JournalEvent[]>, rows?: RowWrites<JournalEvent[]>, chain?: CommandChain): Promise<JournalEvent[]>;
  /** A new chain of dependent commands for appendAll. */
  chain(): CommandChain;
  /**
   * Writes rows that belong to no event, in the next group (so never beside a group on the
   * writer thread): `project` on the main connection, `rows` on the writer thread. Resolves once
   * COMMITTED, before the WAL fsync: for rows a power cut may lose (a stored answer).
   */
  write(project: Projection<void>, rows?: RowWrites<void>): Promise<void>;
  /** True when groups may commit on the writer thread (callers may then split work finer). */
  readonly offloaded: boolean;
  /** Resolves when everything queued so far is committed and durable (or failed). */
  flush(): Promise<void>;
  /** Flushes, then refuses new appends with JOURNAL_CLOSED. */
  close(): Promise<void>;
}

export interface JournalDeps {
  db: Db;
  /** The store's dialect and SQLite handle select the fast insert path (see insertEvents). */
  dialect?: Dialect;
  sqlite?: SqliteDatabase.Database;
  clock: Clock;
  reporter: Reporter;
  /**
   * Makes everything committed so far durable; resolves after a sync that started after the call.
   * Default: the store's WAL syncer when the SQLite handle runs `pipelined` (create-store.ts),
   * otherwise none (the commit is durable by itself). Tests inject one to hold or fail it.
   */
  syncWal?: () => Promise<void>;
}

/** A committed group: the commands that survived their projection, those that did not, its last seq. */
interface Committed {
  ok: Command[];
  failed: { c: Command; err: unknown }[];
  last: number;
}

interface Command {
  events: JournalEvent[];
  ctx?: CommandContext;
  chain?: Chain;
  project?: Projection<JournalEvent[]>;
  rows?: RowWrites<JournalEvent[]>;
  resolve(events: JournalEvent[]): void;
  reject(err: unknown): void;
}

interface Chain {
  broken: unknown;
}

/** The error of a command refused because an earlier one of its chain did not commit (`why`). */
function chainRefusal(why: unknown): Error {
  return storeErrors.make('STORE_UNAVAILABLE', `not committed: an earlier command it builds on was not (${(why as Error)?.message ?? String(why)})`, { cause: why });
}

const ROWS_PER_INSERT = 500; // 8 columns × 500 stays under SQLite's 32 766 bound parameters
/** Rows per prepared SQLite insert, largest first (256 × 8 = 2048 parameters). */
const SQLITE_CHUNKS = [256, 64, 16, 4, 1] as const;

export function createJournal(deps: JournalDeps, config: Partial<JournalConfig> = {}): Journal {
  const cfg = { ...journalDefaults, ...config };
  const { db, clock, reporter } = deps;
  const appended = reporter.counter('bandex_journal_events_total', 'Events committed to the journal', ['type']);
  const commits = reporter.counter('bandex_journal_commits_total', 'Journal transactions committed');
  const failures = reporter.counter('bandex_journal_failed_commands_total', 'Commands whose projection or transaction failed');
  const batchSize = reporter.histogram('bandex_journal_batch_commands', 'Commands per group commit', [], [1, 4, 16, 64, 256, 1024, 4096]);
  const redone = reporter.counter('bandex_journal_writer_redone_total', 'Groups the writer thread rolled back and the main thread committed again');
  const syncFailures = reporter.counter('bandex_journal_sync_failures_total', 'fsyncs of the SQLite WAL that failed (the journal then refuses writes)');
  const writerSeconds = reporter.histogram('bandex_journal_writer_group_seconds', 'Time the writer thread spent on each group it committed (BEGIN to the end of COMMIT; SQLite files)', [], [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
  const syncSeconds = reporter.histogram('bandex_journal_wal_sync_seconds', 'fdatasync of the SQLite WAL after group commits (pipelined mode)', [], [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]);
  const walSync = deps.syncWal ? undefined : deps.sqlite ? walSyncOf(deps.sqlite) : undefined;
  const syncWal = deps.syncWal ?? (walSync ? () => walSync.sync() : undefined);
  const subscribers = new Set<(e: JournalEvent) => void>();
  let queue: Command[] = [];
  let scheduled = false;
  let running: Promise<void> | null = null;
  /** The last seq committed (the writer numbers from it) and the last one durable (acknowledged). */
  let last = 0;
  let durable = 0;
  /** Committed groups waiting for a sync that started after their commit, in commit order. */
  let awaiting: Committed[] = [];
  let syncing = false;
  /** Set when a sync failed: every append is refused with it from then on. */
  let broken: BandexError | undefined;
  let started = false;
  let resync = false;
  let closing = false;
  let checkpointer: Checkpointer | undefined;
  /** The WAL file to watch until the checkpointer starts (undefined: not applicable, or started). */
  let walFile = deps.sqlite && cfg.backgroundCheckpoint && !deps.sqlite.memory ? `${deps.sqlite.name}-wal` : undefined;
  function watchWal(): void {
    if (walFile === undefined) return;
    let size: number;
    try {
      size = statSync(walFile).size;
    } catch {
      return;
    }
    if (size < cfg.backgroundCheckpointAfterBytes) return;
    walFile = undefined;
    checkpointer = startCheckpointer(deps.sqlite!, reporter, cfg.checkpointIntervalMs, (n) => writer?.pragma(`wal_autocheckpoint = ${n}`));
  }
  const idle: (() => void)[] = [];
  /** The writer thread (started by start() when it applies), the groups sent, the events queued. */
  let writer: SqliteWriter | undefined;
  let groups = 0;
  /** Of the queue: its events, and its commands with rows and with only a projection. */
  let queuedEvents = 0;
  let queuedRows = 0;
  let queuedProjectOnly = 0;

  function schedule(): void {
    if (scheduled || running) return;
    scheduled = true;
    // The flush (and the subscribers it calls) must not inherit the context of whichever
    // request happened to append first, or their own appends would carry its extra.
    commandContext.exit(() =>
      setImmediate(() => {
        if (scheduled) run();
      }),
    );
  }

  function run(): void {
    scheduled = false;
    if (running || queue.length === 0) return;
    const take = cfg.groupCommit ? cfg.maxBatch : 1;
    let batch = queue.length <= take ? queue : queue.slice(0, take);
    queue = queue.length <= take ? [] : queue.slice(take);
    queuedEvents = queuedRows = queuedProjectOnly = 0;
    for (const c of queue) count(c);
    if (batch.some((c) => c.chain?.broken !== undefined)) {
      batch = batch.filter((c) => !refusedByChain(c));
      if (batch.length === 0) return done();
    }
    if (writer?.alive && offloadable(batch) && !resync && !broken) return sendToWriter(batch);
    track(commit(batch));
  }

  /**
   * A group goes to the writer thread when some command declares rows and none has only a
   * projection. Groups of bare events stay here: their SQLite work (one insert per ~250 events)
   * costs less than handing them over, by bench:journal (148k against 175k–202k events/s, and
   * 8.7k–10k against 14.5k–15.2k with one transaction per event).
   */
  function offloadable(batch: Command[]): boolean {
    let rows = false;
    for (const c of batch) {
      if (c.rows) rows = true;
      else if (c.project) return false;
    }
    return rows;
  }
  const queueOffloadable = () => writer?.alive === true && queuedRows > 0 && queuedProjectOnly === 0;
  function count(c: Command): void {
    queuedEvents += c.events.length;
    if (c.rows) queuedRows++;
    else if (c.project) queuedProjectOnly++;
  }

  /** `p` is the group running; when it ends, the next one starts (unless another took over). */
  function track(p: Promise<void>): void {
    running = p;
    void p.finally(() => {
      if (running === p) done();
    });
  }

  function done(): void {
    running = null;
    if (queue.length === 0) settleIdle();
    // The writer is idle again: what queued meanwhile goes now (group commit), not a turn later.
    else if (queueOffloadable()) commandContext.exit(run);
    else schedule();
  }

  /**
   * Finishes a group on the writer thread if it is done (an append may come mid-turn), outside
   * the appender's command context (like schedule(): what follows is not that request's).
   */
  function pollWriter(): void {
    if (running && writer?.ready()) commandContext.exit(() => writer!.poll());
  }

  /** After an enqueue of `c`: the group goes at once to an idle writer if enough is queued. */
  function queued(c: Command): void {
    count(c);
    pollWriter();
    if (!running && queuedEvents >= cfg.eagerEvents && queueOffloadable()) commandContext.exit(run);
    else schedule();
  }

  function settleIdle(): void {
    if (running || scheduled || queue.length > 0 || syncing || awaiting.length > 0) return;
    for (const f of idle.splice(0)) f();
  }

  /** One sync at a time; it covers every group committed before it started. */
  function startSync(): void {
    if (syncing || awaiting.length === 0 || !syncWal) return;
    syncing = true;
    const covered = awaiting;
    awaiting = [];
    const t0 = performance.now();
    const done = (err: unknown, failed: boolean) => {
      syncing = false;
      if (failed) breakJournal(err, covered);
      else {
        syncSeconds.observe((performance.now() - t0) / 1000);
        for (const g of covered) acknowledge(g);
        startSync();
      }
      settleIdle();
    };
    let p: Promise<void>;
    try {
      p = syncWal();
    } catch (err) {
      p = Promise.reject(err);
    }
    void p.then(
      () => done(undefined, false),
      (err: unknown) => done(err, true),
    );
  }

  /**
   * A failed fsync: what it should have covered may or may not be on disk, and retrying it proves
   * nothing (Linux may have dropped the dirty pages and cleared the error). Nothing more is
   * acknowledged: the waiting groups, the queue and every later append get JOURNAL_SYNC_FAILED.
   */
  function breakJournal(err: unknown, covered: Committed[]): void {
    broken = storeErrors.make('JOURNAL_SYNC_FAILED', `the journal could not fsync the SQLite WAL: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    syncFailures.inc();
    reporter.error('journal', 'JOURNAL_SYNC_FAILED', err);
    const groups = [...covered, ...awaiting];
    awaiting = [];
    const cmds = queue;
    queue = [];
    for (const g of groups) {
      failures.inc(g.ok.length + g.failed.length);
      for (const { c, err: own } of g.failed) c.reject(own);
      for (const c of g.ok) c.reject(broken);
    }
    failures.inc(cmds.length);
    for (const c of cmds) c.reject(broken);
  }

  /**
   * Writes the surviving events of a batch, each ONE row: its audience is a column of the row
   * (see encodeAudience), not rows of a side table, and its payload the text encodePayload gives
   * (compact for the types that register a shape, JSON otherwise; payload-codec.ts). SQLite: multi-row prepared inserts on the
   * transaction's own connection (chunks of 256/64/16/4/1 rows, five statements in all).
   * PostgreSQL: ONE statement for the whole batch, rows passed as arrays and expanded with
   * unnest(). Other: Kysely multi-row inserts.
   */
  const sqliteInserts = new Map<number, SqliteDatabase.Statement>();
  const sqliteInsert = (rows: number): SqliteDatabase.Statement => {
    let st = sqliteInserts.get(rows);
    if (!st) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      st = deps.sqlite!.prepare(`insert into journal (seq, time, type, actor, topic, private, audience, payload) values ${values}`);
      sqliteInserts.set(rows, st);
    }
    return st;
  };
  async function insertEvents(tx: Tx, rows: JournalEvent[]): Promise<void> {
    if (rows.length === 0) return;
    if (deps.sqlite) {
      let i = 0;
      for (const chunk of SQLITE_CHUNKS) {
        if (rows.length - i < chunk) continue;
        const st = sqliteInsert(chunk);
        const params: unknown[] = new Array(chunk * 8);
        while (rows.length - i >= chunk) {
          for (let k = 0, p = 0; k < chunk; k++) {
            const e = rows[i + k];
            params[p++] = e.seq;
            params[p++] = e.time;
            params[p++] = e.type;
            params[p++] = e.actor;
            params[p++] = e.topic;
            params[p++] = e.visibleTo === null ? 0 : 1;
            params[p++] = e.visibleTo === null ? null : encodeAudience(e.visibleTo);
            params[p++] = encodePayload(e.type, e.payload);
          }
          st.run(params);
          i += chunk;
        }
      }
      return;
    }
    if (deps.dialect === 'postgres') {
      await sql`insert into journal (seq, time, type, actor, topic, private, audience, payload)
        select * from unnest(${rows.map((e) => e.seq)}::bigint[], ${rows.map((e) => e.time)}::bigint[], ${rows.map((e) => e.type)}::text[],
          ${rows.map((e) => e.actor)}::text[], ${rows.map((e) => e.topic)}::text[], ${rows.map((e) => (e.visibleTo === null ? 0 : 1))}::integer[],
          ${rows.map((e) => (e.visibleTo === null ? null : encodeAudience(e.visibleTo)))}::text[], ${rows.map((e) => encodePayload(e.type, e.payload))}::text[])`.execute(tx);
      return;
    }
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      await tx
        .insertInto('journal')
        .values(
          rows.slice(i, i + ROWS_PER_INSERT).map((e) => ({
            seq: e.seq,
            time: e.time,
            type: e.type,
            actor: e.actor,
            topic: e.topic,
            private: e.visibleTo === null ? 0 : 1,
            audience: e.visibleTo === null ? null : encodeAudience(e.visibleTo),
            payload: encodePayload(e.type, e.payload),
          })),
        )
        .execute();
    }
  }

  const insertIdempotency = idempotencyInserter(deps);

  async function readLastSeq(): Promise<number> {
    const row = await db.selectFrom('journal').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst();
    return Number(row?.m ?? 0);
  }

  async function commit(batch: Command[]): Promise<void> {
    if (broken) {
      failures.inc(batch.length);
      for (const c of batch) c.reject(broken);
      return;
    }
    if (resync) {
      // After a failed commit its outcome may be unknown (connection lost during COMMIT):
      // take the sequence from the database again rather than reuse numbers.
      try {
        last = await readLastSeq();
        resync = false;
      } catch (err) {
        const e = storeErrors.make('STORE_UNAVAILABLE', `the journal could not reach the database: ${(err as Error).message}`, { cause: err });
        for (const c of batch) c.reject(e);
        return;
      }
    }
    let next = last + 1;
    const ok: Command[] = [];
    const failed: { c: Command; err: unknown }[] = [];
    try {
      await db.transaction().execute(async (tx) => {
        for (const c of batch) {
          if (c.chain?.broken !== undefined) {
            // An earlier command of its chain failed in this same group.
            failed.push({ c, err: chainRefusal(c.chain.broken) });
            continue;
          }
          c.events.forEach((e, i) => (e.seq = next + i));
          if (c.project) {
            await sql`savepoint bx_cmd`.execute(tx);
            try {
              await c.project(tx, c.events);
              await sql`release savepoint bx_cmd`.execute(tx);
            } catch (err) {
              await sql`rollback to savepoint bx_cmd`.execute(tx);
              await sql`release savepoint bx_cmd`.execute(tx);
              failed.push({ c, err });
              if (c.chain) c.chain.broken ??= err;
              continue;
            }
          }
          next += c.events.length;
          ok.push(c);
        }
        await insertEvents(tx, ok.flatMap((c) => c.events));
        await insertIdempotency(tx, ok);
      });
    } catch (err) {
      return commitFailed(batch, err, failed);
    }
    committed(batch, ok, failed, next - 1);
  }

  /** Refuses `c` if an earlier command of its chain did not commit; true if it did. */
  function refusedByChain(c: Command): boolean {
    if (c.chain?.broken === undefined) return false;
    failures.inc();
    c.reject(chainRefusal(c.chain.broken));
    return true;
  }

  /** The transaction failed: its outcome may be unknown, so the next one re-reads the last seq. */
  function commitFailed(batch: Command[], err: unknown, failed: { c: Command; err: unknown }[] = []): void {
    const e = storeErrors.make('STORE_UNAVAILABLE', `the journal could not commit: ${(err as Error).message}`, { cause: err });
    reporter.error('journal', 'STORE_UNAVAILABLE', err);
    resync = true;
    failures.inc(batch.length);
    for (const c of batch) c.reject(failed.find((f) => f.c === c)?.err ?? e);
  }

  /**
   * A group on the writer thread: seqs numbered here (every command survives: the writer runs
   * no projection that could refuse one), payloads encoded here, the rest there. If the writer
   * rolled the group back (a row write found nothing to change), the group is committed again
   * here with the commands' own projections, which decide per command.
   */
  function sendToWriter(batch: Command[]): void {
    let next = last + 1;
    const writes: RowWrite[] = [];
    const events: unknown[] = [];
    try {
      for (const c of batch) {
        const evs = c.events;
        for (let i = 0; i < evs.length; i++) {
          const e = evs[i];
          e.seq = next + i;
          const aud = e.visibleTo;
          events.push(e.seq, e.time, e.type, e.actor, e.topic, aud === null ? 0 : 1, aud === null ? null : encodeAudience(aud), encodePayload(e.type, e.payload));
        }
        next += evs.length;
        if (c.rows) for (const w of c.rows(evs)) writes.push(w);
      }
    } catch {
      // A payload or a row builder that throws: the main connection's path sorts out whose
      // command it is (its projection fails alone, or the group is refused as it always was).
      return track(commit(batch));
    }
    for (const params of idempotencyParams(batch)) writes.push([IDEM_SQL, params, 0, 0]);
    let finish!: () => void;
    const p = new Promise<void>((r) => (finish = r));
    running = p;
    writer!.send({ id: ++groups, events, writes }, (o: WriterOutcome) => {
      finish();
      if (running !== p) return;
      if (o.ok) {
        writerSeconds.observe(o.busyUs / 1e6);
        committed(batch, batch, [], next - 1);
      } else if (o.phase === 'statement') {
        redone.inc();
        return track(commit(batch));
      } else commitFailed(batch, new Error(o.message));
      done();
    });
  }

  /** The bookkeeping after a commit, wherever it ran: checkpoint, counters, then sync and answer. */
  function committed(batch: Command[], ok: Command[], failed: { c: Command; err: unknown }[], upTo: number): void {
    last = upTo;
    // Writes without events (journal.write) need no sync: answered now, and not again below.
    if (ok.some((c) => c.events.length === 0)) {
      for (const c of ok) if (c.events.length === 0) c.resolve(c.events);
      ok = ok.filter((c) => c.events.length > 0);
    }
    if (checkpointer) checkpointer.poke();
    else watchWal();
    commits.inc();
    batchSize.observe(batch.length);
    const group: Committed = { ok, failed, last: upTo };
    if (!syncWal) return acknowledge(group);
    if (broken) {
      // The sync failed while this group was committing: it is as unknown as the others.
      failures.inc(batch.length);
      for (const { c, err } of failed) c.reject(err);
      for (const c of ok) c.reject(broken);
      return;
    }
    awaiting.push(group);
    startSync();
  }

  /** A durable group: its answers and its events, in seq order. */
  function acknowledge({ ok, failed, last: upTo }: Committed): void {
    durable = upTo;
    for (const { c, err } of failed) {
      failures.inc();
      if (!(err instanceof BandexError)) reporter.error('journal', 'PROJECTION_FAILED', err);
      c.reject(err);
    }
    const byType = new Map<string, number>();
    for (const c of ok) {
      for (const e of c.events) {
        byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
        for (const fn of subscribers) {
          try {
            fn(e);
          } catch (err) {
            reporter.error('journal', 'SUBSCRIBER_FAILED', err, { type: e.type, seq: e.seq });
          }
        }
      }
      c.resolve(c.events);
    }
    for (const [type, n] of byType) appended.inc({ type }, n);
  }

  function toStored(e: NewEvent, time: number): JournalEvent {
    const v = e.visibility;
    return {
      seq: 0,
      time,
      type: e.type,
      actor: e.actor ?? 'system',
      topic: e.topic ?? null,
      visibleTo: v === undefined || v === 'public' ? null : v.length <= 1 ? [...v] : [...new Set(v)],
      payload: e.payload,
    };
  }

  function refuse(): Error | undefined {
    if (broken) return broken;
    if (closing) return storeErrors.make('JOURNAL_CLOSED', 'the journal is closing and accepts no new events');
    if (!started) return new Error('journal.append() before journal.start()');
    return undefined;
  }

  function enqueue(events: readonly NewEvent[], project?: Projection<JournalEvent[]>, rows?: RowWrites<JournalEvent[]>, chain?: CommandChain): Promise<JournalEvent[]> {
    const no = refuse();
    if (no) return Promise.reject(no);
    if (chain?.broken !== undefined) return Promise.reject(chainRefusal(chain.broken));
    if (rows && !project) return Promise.reject(new Error('journal.appendAll(): rows without their projection'));
    const time = clock.now();
    const stored = events.map((e) => toStored(e, time));
    return new Promise((resolve, reject) => {
      const ctx = commandContext.getStore();
      const ch = chain as Chain | undefined;
      // Whatever refuses a command of a chain breaks the chain (see the module comment).
      const fail = ch === undefined ? reject : (err: unknown) => {
        ch.broken ??= err;
        reject(err);
      };
      const c: Command = { events: stored, ...(project ? { project } : {}), ...(rows ? { rows } : {}), ...(ctx ? { ctx } : {}), ...(ch ? { chain: ch } : {}), resolve, reject: fail };
      queue.push(c);
      queued(c);
    });
  }

  const journal: Journal = {
    async start() {
      last = await readLastSeq();
      durable = last;
      const sq = deps.sqlite;
      if (cfg.writerThread && sq && !sq.memory && sq.pragma('journal_mode', { simple: true }) === 'wal') {
        writer = startSqliteWriter(sq, { autocheckpoint: !cfg.backgroundCheckpoint, onError: (err) => reporter.error('journal', 'WRITER_FAILED', err) });
      }
      started = true;
    },
    append<P>(event: NewEvent<P>, project?: Projection<JournalEvent<P>>): Promise<JournalEvent<P>> {
      // The hot path: one event, no intermediate promise.
      const no = refuse();
      if (no) return Promise.reject(no);
      const stored = [toStored(event, clock.now())];
      return new Promise((resolve, reject) => {
        const c: Command = { events: stored, resolve: (s) => resolve(s[0] as JournalEvent<P>), reject };
        if (project) c.project = (tx, s) => project(tx, s[0] as JournalEvent<P>);
        const ctx = commandContext.getStore();
        if (ctx) c.ctx = ctx;
        queue.push(c);
        queued(c);
      });
    },
    appendAll(events, project, rows, chain) {
      return enqueue(events, project, rows, chain);
    },
    chain: (): Chain => ({ broken: undefined }),
    write(project, rows) {
      const no = refuse();
      if (no) return Promise.reject(no);
      return new Promise<void>((resolve, reject) => {
        // No command context: a stored answer is not a command of the request it answers.
        const c: Command = { events: [], project: (tx) => project(tx, undefined), resolve: () => resolve(), reject };
        if (rows) c.rows = () => rows(undefined);
        queue.push(c);
        queued(c);
      });
    },
    get offloaded() {
      return writer?.alive ?? false;
    },
    flush() {
      if (!running && !scheduled && queue.length === 0 && !syncing && awaiting.length === 0) return Promise.resolve();
      return new Promise((r) => idle.push(r));
    },
    async close() {
      await journal.flush();
      closing = true;
      await journal.flush();
      await checkpointer?.stop();
      checkpointer = undefined;
      await writer?.stop();
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    lastSeq: () => durable,
    async read(query: EventQuery) {
      const limit = Math.min(Math.max(query.limit ?? 100, 1), 10_000);
      let q = db
        .selectFrom('journal')
        .selectAll()
        .where('seq', '>', query.afterSeq ?? 0)
        .orderBy('seq')
        .limit(limit);
      // Committed but not yet synced: not acknowledged, so not shown either.
      if (syncWal) q = q.where('seq', '<=', durable);
      if (query.types?.length) q = q.where('type', 'in', [...query.types]);
      if (query.topics?.length) q = q.where('topic', 'in', [...query.topics]);
      const member = query.visibleTo;
      if (member !== undefined) {
        // Public events, or private ones whose audience lists the member (see encodeAudience).
        const needle = `,${escapeMember(member)},`;
        q = q.where((eb) =>
          eb.or([eb('private', '=', 0), deps.dialect === 'postgres' ? sql<boolean>`strpos(audience, ${needle}) > 0` : sql<boolean>`instr(audience, ${needle}) > 0`]),
        );
      }
      const rows = await q.execute();
      return rows.map((r) => ({
        seq: Number(r.seq),
        time: Number(r.time),
        type: r.type,
        actor: r.actor,
        topic: r.topic,
        visibleTo: Number(r.private) === 1 ? decodeAudience(r.audience).sort() : null,
        payload: decodePayload(r.type, r.payload),
      }));
    },
  };
  return journal;
}
