/**
 * The journal's writer thread (SQLite files): groups whose commands declare their rows as data
 * commit on the thread, mid-turn when enough is queued; a group the thread rolls back is
 * committed again on the main connection with the commands' own projections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, createReporter, type JournalEvent, type Reporter } from '../../src/lib/index.ts';
import { createJournal, createStore, runInCommandContext, type Journal, type JournalConfig, type RowWrite, type Store } from '../../src/store/index.ts';
import { encodePayload } from '../../src/store/payload-codec.ts';
import { startSqliteWriter, type WriterOutcome } from '../../src/store/sqlite-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'bandex-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let open: { store: Store; journal: Journal } | undefined;
afterEach(async () => {
  await open?.journal.close();
  await open?.store.close();
  open = undefined;
});

async function setup(config: Partial<JournalConfig> = {}): Promise<{ store: Store; journal: Journal; file: string; reporter: Reporter }> {
  const reporter = createReporter({ destination: false });
  const file = join(dir, `w${++n}.sqlite`);
  const store = createStore({ kind: 'sqlite', path: file }, { reporter });
  await store.migrate();
  await sql`create table notes (id text primary key, body text not null)`.execute(store.db);
  const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-12-01T00:00:00Z'), reporter }, config);
  await journal.start();
  open = { store, journal };
  return { store, journal, file, reporter };
}

const INSERT = 'insert into notes (id, body) values (?, ?)';
const UPDATE = 'update notes set body = ? where id = ?';
const insertRows = (ids: string[]): RowWrite[] => [[INSERT, ids.flatMap((id) => [id, `body of ${id}`]), 2, 0]];
const counter = async (r: Reporter, name: string) => (await r.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);
/** bandex_journal_writer_group_seconds: how many groups the thread committed, and their time. */
const writerTime = async (r: Reporter) => {
  const vs = (await r.registry.getSingleMetric('bandex_journal_writer_group_seconds')!.get()).values;
  const of = (suffix: string) => vs.find((v) => (v as { metricName?: string }).metricName === `bandex_journal_writer_group_seconds_${suffix}`)?.value ?? 0;
  return { groups: of('count'), seconds: of('sum') };
};

describe('journal writer thread', () => {
  it('commits groups of declared rows on the thread: events and rows in one transaction, gap-free seqs', async () => {
    const { store, journal, reporter } = await setup();
    expect(journal.offloaded).toBe(true);
    const mainProjection = () => {
      throw new Error('the main-thread projection ran: the group did not go to the writer thread');
    };
    const out = await Promise.all(
      ['a', 'b', 'c'].map((id) => journal.appendAll([{ type: 'NoteAdded', payload: { id } }, { type: 'NoteTagged', payload: { id } }], mainProjection, () => insertRows([id]))),
    );
    expect(out.flat().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const rows = await store.db.selectFrom('notes' as never).selectAll().orderBy('id' as never).execute();
    expect(rows).toEqual(['a', 'b', 'c'].map((id) => ({ id, body: `body of ${id}` })));
    expect((await journal.read({})).map((e) => [e.seq, e.type, (e.payload as { id: string }).id])).toEqual([
      [1, 'NoteAdded', 'a'], [2, 'NoteTagged', 'a'], [3, 'NoteAdded', 'b'], [4, 'NoteTagged', 'b'], [5, 'NoteAdded', 'c'], [6, 'NoteTagged', 'c'],
    ]);
    expect(await counter(reporter, 'bandex_journal_writer_redone_total')).toBe(0);
    // Every commit ran on the thread, which timed each one.
    const t = await writerTime(reporter);
    expect(t.groups).toBe(await counter(reporter, 'bandex_journal_commits_total'));
    expect(t.groups).toBeGreaterThan(0);
    expect(t.seconds).toBeGreaterThan(0);
  });

  it('sends a large group at once, and the next one when the first is done, all within the turn that queued them', async () => {
    const { journal, file, reporter } = await setup({ eagerEvents: 100 });
    const events = Array.from({ length: 100 }, (_, i) => ({ type: 'NoteAdded', payload: { i } }));
    const other = new Database(file, { readonly: true });
    const notes = () => (other.prepare('select count(*) as c from notes').get() as { c: number }).c;
    /** Spins (this turn never yields) until `want` notes are visible, appending `poke` meanwhile. */
    const spinUntil = (want: number, poke?: () => void) => {
      const deadline = Date.now() + 10_000;
      let seen = notes();
      while (seen < want && Date.now() < deadline) {
        poke?.();
        seen = notes();
      }
      return seen;
    };
    try {
      const first = journal.appendAll(events, () => undefined, () => insertRows(['first']));
      // A second connection sees the first group committed while this turn still runs.
      expect(spinUntil(1)).toBe(1);
      // The thread sets its shared flag just after its COMMIT returns, so a reader can see the
      // rows a moment before the flag: give it that moment (still within this turn).
      for (const until = Date.now() + 100; Date.now() < until; );
      // The thread's answer cannot arrive as an event during this turn: the append that follows
      // sees it finished (shared flag) and sends the queue, this second command with it.
      const second = journal.appendAll(events, () => undefined, () => insertRows(['second']));
      expect(spinUntil(2)).toBe(2);
      expect((await first).length + (await second).length).toBe(200);
      const t = await writerTime(reporter);
      expect(t.groups).toBe(2);
      expect(t.seconds).toBeGreaterThan(0);
    } finally {
      other.close();
    }
  });

  it('reports the time the thread spent on a group, also when the shared flag finishes it', async () => {
    const { store } = await setup();
    const writer = startSqliteWriter(store.sqlite!, { autocheckpoint: true, onError: (e) => { throw e; } });
    try {
      const outcomes: WriterOutcome[] = [];
      writer.send({ id: 1, events: [], writes: insertRows(Array.from({ length: 500 }, (_, i) => `t${i}`)) }, (o) => outcomes.push(o));
      // Spin in this turn: the thread's message cannot arrive, so poll() finishes it from the flag.
      for (const until = Date.now() + 10_000; !writer.ready() && Date.now() < until; );
      expect(writer.poll()).toBe(true);
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect((outcomes[0] as { busyUs: number }).busyUs).toBeGreaterThan(0);
      // The same figure arrives with the thread's message (the journal's other path).
      writer.send({ id: 2, events: [], writes: insertRows(['last']) }, (o) => outcomes.push(o));
      await vi.waitFor(() => expect(outcomes).toHaveLength(2));
      expect((outcomes[1] as { busyUs: number }).busyUs).toBeGreaterThan(0);
    } finally {
      await writer.stop();
    }
  });

  it('a group the thread rolls back (an update that found no row) is committed again with the projections', async () => {
    const { store, journal, reporter } = await setup();
    await journal.appendAll([{ type: 'NoteAdded', payload: { id: 'x' } }], () => undefined, () => insertRows(['x']));
    // `ghost` does not exist: its must-change update fails on the thread; its projection, run on
    // the main connection, inserts it instead. The other command of the group commits too.
    const ghostRows = (): RowWrite[] => [[UPDATE, ['new', 'ghost'], 2, 1]];
    const ghostProjection = async (tx: Parameters<NonNullable<Parameters<Journal['appendAll']>[1]>>[0]) => {
      await sql`insert into notes (id, body) values ('ghost', 'inserted by the projection')`.execute(tx);
    };
    const [a, b] = await Promise.all([
      journal.appendAll([{ type: 'NoteChanged', payload: { id: 'ghost' } }], ghostProjection, ghostRows),
      journal.appendAll([{ type: 'NoteAdded', payload: { id: 'y' } }], async (tx) => void (await sql`insert into notes (id, body) values ('y', 'body of y')`.execute(tx)), () => insertRows(['y'])),
    ]);
    expect([a[0].seq, b[0].seq]).toEqual([2, 3]);
    expect(await counter(reporter, 'bandex_journal_writer_redone_total')).toBe(1);
    const rows = await store.db.selectFrom('notes' as never).selectAll().orderBy('id' as never).execute();
    expect(rows).toEqual([
      { id: 'ghost', body: 'inserted by the projection' },
      { id: 'x', body: 'body of x' },
      { id: 'y', body: 'body of y' },
    ]);
    expect((await journal.read({})).map((e: JournalEvent) => e.seq)).toEqual([1, 2, 3]);
  });

  it('stores each payload as the text encodePayload gives (compact or JSON), on the thread', async () => {
    const { store, journal, reporter } = await setup();
    const mainProjection = () => {
      throw new Error('the main-thread projection ran: the group did not go to the writer thread');
    };
    // A market payload has a compact form; the other is stored as JSON.
    const accepted = { at: 1_796_675_666_145, orderId: 'ord_1', seq: 7, spec: { memberId: 'mem1', side: 'sell', price: '1.05', limits: { latencyMs: 20 }, note: 'a key outside the shape', gone: undefined } };
    const events = [{ type: 'OrderAccepted', payload: accepted }, { type: 'NoteAdded', payload: { id: 'n', text: 'quote " and \\ backslash' } }];
    await journal.appendAll(events, mainProjection, () => insertRows(['z']));
    expect(await counter(reporter, 'bandex_journal_writer_redone_total')).toBe(0);
    const stored = store.sqlite!.prepare('select type, payload from journal order by seq').all() as Array<{ type: string; payload: string }>;
    expect(stored).toEqual(events.map((e) => ({ type: e.type, payload: encodePayload(e.type, e.payload) })));
    expect(JSON.parse(stored[0].payload)[0]).toBe('oa1');
    expect((await journal.read({}))[0].payload).toEqual(JSON.parse(JSON.stringify(accepted)));
  });

  it('a row builder that throws sends the group to the main connection, where the projections run', async () => {
    const { store, journal } = await setup();
    const [e] = await journal.appendAll(
      [{ type: 'NoteAdded', payload: { id: 'p' } }],
      async (tx) => void (await sql`insert into notes (id, body) values ('p', 'from the projection')`.execute(tx)),
      () => {
        throw new Error('builder bug');
      },
    );
    expect(e.seq).toBe(1);
    expect(await store.db.selectFrom('notes' as never).selectAll().execute()).toEqual([{ id: 'p', body: 'from the projection' }]);
  });

  it('a COMMIT that fails on the thread rejects the group with STORE_UNAVAILABLE; the journal goes on, numbering from the database', async () => {
    const { store, journal } = await setup();
    // A deferred foreign key is checked at COMMIT: the thread's statements all pass, its COMMIT fails.
    await sql`create table parents (id text primary key)`.execute(store.db);
    await sql`create table children (id text primary key, parent text references parents (id) deferrable initially deferred)`.execute(store.db);
    const orphan = (): RowWrite[] => [['insert into children (id, parent) values (?, ?)', ['c1', 'nobody'], 2, 0]];
    const bad = journal.appendAll([{ type: 'ChildAdded', payload: {} }], () => undefined, orphan);
    await expect(bad).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const [e] = await journal.appendAll([{ type: 'NoteAdded', payload: {} }], () => undefined, () => insertRows(['after']));
    expect(e.seq).toBe(1);
    expect((await journal.read({})).map((x) => [x.seq, x.type])).toEqual([[1, 'NoteAdded']]);
    expect(await store.db.selectFrom('children' as never).selectAll().execute()).toEqual([]);
  });

  it('writes the Idempotency-Key record of a command with its events on the thread', async () => {
    const { store, journal } = await setup();
    const idempotency = { principal: 'mem_1', key: 'k-1', method: 'POST', url: '/v1/notes', bodyHash: 'h', createdAt: 1 };
    const [e] = await runInCommandContext({ idempotency }, () => journal.appendAll([{ type: 'NoteAdded', payload: {} }], () => undefined, () => insertRows(['k'])));
    const rec = await store.db.selectFrom('idempotency_keys').selectAll().executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ principal: 'mem_1', key: 'k-1', status: 0, response: JSON.stringify({ seqs: [e.seq] }) });
  });

  it('commits on the main connection a group with a command that has only a projection', async () => {
    const { store, journal } = await setup();
    const [a, b] = await Promise.all([
      journal.appendAll([{ type: 'NoteAdded', payload: {} }], async (tx) => void (await sql`insert into notes (id, body) values ('main', 'm')`.execute(tx))),
      journal.appendAll([{ type: 'NoteAdded', payload: {} }], async (tx) => void (await sql`insert into notes (id, body) values ('both', 'b')`.execute(tx)), () => insertRows(['not-this'])),
    ]);
    expect([a[0].seq, b[0].seq]).toEqual([1, 2]);
    const ids = (await store.db.selectFrom('notes' as never).select('id' as never).orderBy('id' as never).execute()).map((r) => (r as { id: string }).id);
    expect(ids).toEqual(['both', 'main']);
  });

  it('is off for in-memory databases and when configured off', async () => {
    const reporter = createReporter({ destination: false });
    const mem = createStore({ kind: 'sqlite', path: ':memory:' }, { reporter });
    await mem.migrate();
    const j = createJournal({ db: mem.db, dialect: mem.dialect, sqlite: mem.sqlite!, clock: new ManualClock('2026-12-01T00:00:00Z'), reporter });
    await j.start();
    expect(j.offloaded).toBe(false);
    await j.close();
    await mem.close();
    const { journal } = await setup({ writerThread: false });
    expect(journal.offloaded).toBe(false);
  });

  it('refuses rows without the projection that the main connection would need', async () => {
    const { journal } = await setup();
    await expect(journal.appendAll([{ type: 'NoteAdded', payload: {} }], undefined, () => insertRows(['z']))).rejects.toThrow(/rows without their projection/);
  });
});
