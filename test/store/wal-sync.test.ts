/**
 * SQLite `pipelined` durability: the journal answers (and publishes) a group only after a sync of
 * the WAL that started after its commit; the next group commits meanwhile; acknowledgements stay
 * in commit order; a failing sync acknowledges nothing and breaks the journal.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter, type JournalEvent, type Reporter } from '../../src/lib/index.ts';
import { createJournal, createStore, type Journal, type Store } from '../../src/store/index.ts';
import { createWalSync } from '../../src/store/wal-sync.ts';

/** A sync function the test releases (or fails) by hand. */
function heldSync() {
  const calls: { resolve(): void; reject(e: Error): void }[] = [];
  const fn = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }));
  return { fn, calls };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('journal, pipelined WAL sync [sqlite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-walsync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  async function open(syncWal: () => Promise<void>, reporter: Reporter = createReporter({ destination: false })): Promise<{ store: Store; journal: Journal; rows(): number }> {
    const store = createStore({ kind: 'sqlite', path: join(dir, `j${n++}.sqlite`) }, { reporter });
    await store.migrate();
    const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-11-01T00:00:00Z'), reporter, syncWal });
    await journal.start();
    const count = store.sqlite!.prepare('select count(*) from journal').pluck();
    return { store, journal, rows: () => Number(count.get()) };
  }

  it('acknowledges and publishes nothing until the sync resolves; the next group commits meanwhile; order kept', async () => {
    const s = heldSync();
    const { store, journal, rows } = await open(s.fn);
    const acked: number[] = [];
    const published: number[] = [];
    journal.subscribe((e) => published.push(e.seq));
    const append = (i: number) => journal.append({ type: 'T', payload: { i } }).then((e: JournalEvent) => acked.push(e.seq));

    const g1 = [1, 2, 3].map(append);
    await until(() => s.calls.length === 1); // group 1 committed, its sync running
    expect(rows()).toBe(3);
    await turns();
    expect(acked).toEqual([]);
    expect(published).toEqual([]);
    expect(journal.lastSeq()).toBe(0);
    expect(await journal.read({})).toEqual([]); // committed, not durable: not shown

    // Pipelining: group 2 commits while group 1's sync is still running.
    const g2 = [4, 5].map(append);
    await until(() => rows() === 5);
    await turns();
    expect(s.calls.length).toBe(1); // one sync at a time; group 2 waits for one that starts after its commit
    expect(acked).toEqual([]);

    s.calls[0]!.resolve();
    await Promise.all(g1);
    await turns();
    expect(acked).toEqual([1, 2, 3]); // group 1 only: group 2 committed after that sync started
    expect(published).toEqual([1, 2, 3]);
    expect(journal.lastSeq()).toBe(3);
    expect((await journal.read({})).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(s.calls.length).toBe(2);

    s.calls[1]!.resolve();
    await Promise.all(g2);
    expect(acked).toEqual([1, 2, 3, 4, 5]);
    expect(published).toEqual([1, 2, 3, 4, 5]);
    expect(journal.lastSeq()).toBe(5);

    // flush() waits for durability too.
    const g3 = append(6);
    let flushed = false;
    const f = journal.flush().then(() => (flushed = true));
    await until(() => s.calls.length === 3);
    await turns();
    expect(flushed).toBe(false);
    s.calls[2]!.resolve();
    await Promise.all([g3, f]);
    expect(acked).toEqual([1, 2, 3, 4, 5, 6]);
    await journal.close();
    await store.close();
  });

  it('a failing sync rejects the waiters with JOURNAL_SYNC_FAILED, acknowledges nothing, counts it and refuses later appends', async () => {
    const s = heldSync();
    const reporter = createReporter({ destination: false });
    const { store, journal, rows } = await open(s.fn, reporter);
    const published: number[] = [];
    journal.subscribe((e) => published.push(e.seq));
    const acked: number[] = [];
    const outcome = (p: Promise<JournalEvent>) => p.then((e) => (acked.push(e.seq), 'ok'), (e: { code?: string }) => e.code);

    const g1 = [1, 2].map((i) => outcome(journal.append({ type: 'T', payload: { i } })));
    await until(() => s.calls.length === 1);
    const g2 = [3].map((i) => outcome(journal.append({ type: 'T', payload: { i } })));
    await until(() => rows() === 3);
    s.calls[0]!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    expect(await Promise.all([...g1, ...g2])).toEqual(['JOURNAL_SYNC_FAILED', 'JOURNAL_SYNC_FAILED', 'JOURNAL_SYNC_FAILED']);
    expect(acked).toEqual([]);
    expect(published).toEqual([]);
    expect(journal.lastSeq()).toBe(0);
    await expect(journal.append({ type: 'T', payload: {} })).rejects.toMatchObject({ code: 'JOURNAL_SYNC_FAILED' });
    expect(s.calls.length).toBe(1); // no retried fsync
    const failed = await reporter.counter('bandex_journal_sync_failures_total', '').get();
    expect(failed.values[0]?.value).toBe(1);
    await journal.close();
    await store.close();
  });

  it('the default SQLite store runs pipelined with the real WAL syncer (NORMAL, fsync timed per sync)', async () => {
    const reporter = createReporter({ destination: false });
    const store = createStore({ kind: 'sqlite', path: join(dir, 'real.sqlite') }, { reporter });
    await store.migrate();
    expect(store.sqlite!.pragma('synchronous', { simple: true })).toBe(1);
    const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-11-01T00:00:00Z'), reporter });
    await journal.start();
    const seqs = (await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append({ type: 'T', payload: { i } })))).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const h = await reporter.histogram('bandex_journal_wal_sync_seconds', '', [], [1]).get();
    expect(h.values.find((v) => v.metricName === 'bandex_journal_wal_sync_seconds_count')?.value).toBeGreaterThanOrEqual(1);
    await journal.close();
    await store.close();
    // `full` keeps SQLite's own fsync inside the commit, and no syncer.
    const full = createStore({ kind: 'sqlite', path: join(dir, 'full.sqlite'), synchronous: 'full' }, { reporter });
    expect(full.sqlite!.pragma('synchronous', { simple: true })).toBe(2);
    await full.close();
  });

  it('the syncer follows the WAL file by inode: a deleted WAL is an error, not a sync of the stale file; a recreated one is synced', async () => {
    const db = join(dir, 'w.sqlite');
    writeFileSync(`${db}-wal`, 'frames');
    const w = createWalSync(db);
    await w.sync();
    rmSync(`${db}-wal`);
    await expect(w.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(`${db}-wal`, 'new frames');
    await w.sync();
    // close() waits for a running sync instead of closing its fd under it (EBADF).
    const running = w.sync();
    await w.close();
    await running;
    await expect(w.sync()).rejects.toThrow(/closed/);
    expect(existsSync(`${db}-wal`)).toBe(true);
  });
});
