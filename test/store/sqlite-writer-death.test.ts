/**
 * The journal's writer thread dying with a group out (a crash of the thread, not of the
 * process): the group is refused whole, nothing of it is written, and the journal goes on on
 * the main connection, which must not find the database locked by the dead thread's
 * transaction. The threads are captured (test/support/captured-workers.ts), so the test can
 * terminate the real one mid-transaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { createJournal, createStore, type RowWrite } from '../../src/store/index.ts';
import { startedWorkers } from '../support/captured-workers.ts';

vi.mock('node:worker_threads', async (real) => (await import('../support/captured-workers.ts')).capturing(await real()));

const dir = mkdtempSync(join(tmpdir(), 'bandex-writer-death-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A row write that keeps the thread inside its transaction for a while (a few million rows).
const SLOW: RowWrite = [
  "insert into notes (id, body) with recursive n(x) as (select 1 union all select x + 1 from n limit ?) select 'slow-' || x, 'b' from n",
  [3_000_000],
  0,
  0,
];

describe('journal writer thread death', () => {
  it('refuses the group it had out, writes none of it, and the journal goes on on the main connection', async () => {
    const reporter = createReporter({ destination: false });
    const file = join(dir, 'd.sqlite');
    const store = createStore({ kind: 'sqlite', path: file }, { reporter });
    await store.migrate();
    await sql`create table notes (id text primary key, body text not null)`.execute(store.db);
    const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-12-01T00:00:00Z'), reporter });
    await journal.start();
    try {
      expect(journal.offloaded).toBe(true);
      const writer = startedWorkers.at(-1)!;
      const [first] = await journal.appendAll([{ type: 'NoteAdded', payload: { id: 'before' } }], () => undefined, () => [['insert into notes (id, body) values (?, ?)', ['before', 'b'], 2, 0]]);
      expect(first.seq).toBe(1);

      const doomed = journal.appendAll(
        [{ type: 'NoteAdded', payload: { id: 'doomed' } }, { type: 'NoteTagged', payload: { id: 'doomed' } }],
        () => undefined,
        () => [['insert into notes (id, body) values (?, ?)', ['doomed', 'b'], 2, 0], SLOW],
      );
      const outcome = doomed.then(
        () => 'acknowledged',
        (e: { code?: string }) => e.code,
      );
      // Wait until the thread holds the write lock (a second connection cannot take it), then
      // stop the thread: it ends at its next JavaScript step, between the slow statement and COMMIT.
      const probe = new Database(file, { timeout: 0 });
      const locked = () => {
        try {
          probe.exec('begin immediate');
          probe.exec('rollback');
          return false;
        } catch {
          return true;
        }
      };
      for (const until = Date.now() + 10_000; !locked() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
      expect(locked()).toBe(true);
      await writer.terminate();
      probe.close();

      expect(await outcome).toBe('STORE_UNAVAILABLE');
      expect(journal.offloaded).toBe(false);
      // Nothing of the refused group is in the database, and the lock died with the thread.
      const notes = await store.db.selectFrom('notes' as never).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      expect(Number((notes as { n: number }).n)).toBe(1);
      const [next] = await journal.appendAll(
        [{ type: 'NoteAdded', payload: { id: 'after' } }],
        async (tx) => void (await sql`insert into notes (id, body) values ('after', 'b')`.execute(tx)),
        () => [['insert into notes (id, body) values (?, ?)', ['after', 'b'], 2, 0]],
      );
      expect(next.seq).toBe(2);
      expect((await journal.read({})).map((e) => [e.seq, e.type, (e.payload as { id: string }).id])).toEqual([
        [1, 'NoteAdded', 'before'],
        [2, 'NoteAdded', 'after'],
      ]);
      const errors = (await reporter.registry.getSingleMetric('bandex_errors_total')!.get()).values;
      expect(errors.some((v) => v.labels.code === 'WRITER_FAILED' && v.value === 1)).toBe(true);
    } finally {
      await journal.close();
      await store.close();
    }
  }, 30_000);
});
