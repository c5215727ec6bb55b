/** The journal on both dialects: group commit, savepoint isolation, order, visibility, recovery. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter, type JournalEvent } from '../../src/lib/index.ts';
import { createJournal, createStore, type Journal, type Store, type StoreConfig } from '../../src/store/index.ts';
import { createTempDatabase, type TempDatabase } from '../support/postgres.ts';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`journal [${dialect}]`, () => {
    let cfg: StoreConfig;
    let dir: string | undefined;
    let pg: TempDatabase | undefined;
    let store: Store;
    let journal: Journal;
    const clock = new ManualClock('2026-11-01T00:00:00Z');
    const reporter = createReporter({ destination: false });

    const open = async () => {
      store = createStore(cfg, { reporter });
      await store.migrate();
      journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter });
      await journal.start();
    };

    beforeAll(async () => {
      if (dialect === 'sqlite') {
        dir = mkdtempSync(join(tmpdir(), 'bandex-journal-'));
        cfg = { kind: 'sqlite', path: join(dir, 'j.sqlite') };
      } else {
        pg = await createTempDatabase();
        cfg = { kind: 'postgres', url: pg.url };
      }
      await open();
    });
    afterAll(async () => {
      await journal?.close();
      await store?.close();
      await pg?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs SQLite in WAL mode, pipelined: synchronous=NORMAL, the WAL fsynced before acknowledging', () => {
      if (dialect !== 'sqlite') return;
      expect(store.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.sqlite?.pragma('synchronous', { simple: true })).toBe(1); // NORMAL (test/store/wal-sync.test.ts: acks wait for the fsync)
    });

    it('applies migrations once and records them', async () => {
      expect(await store.migrate()).toEqual([]);
      const rows = await store.db.selectFrom('schema_migrations').select('id').orderBy('id').execute();
      expect(rows.map((r) => r.id)).toContain('0001-foundation-journal');
    });

    it('commits all appends of one turn in one transaction, with gap-free seqs, in order', async () => {
      const commits = reporter.counter('bandex_journal_commits_total', '');
      const before = (await commits.get()).values[0]?.value ?? 0;
      const start = journal.lastSeq();
      const seen: number[] = [];
      const off = journal.subscribe((e) => seen.push(e.seq));
      const stored = await Promise.all(Array.from({ length: 1200 }, (_, i) => journal.append({ type: 'Tick', payload: { i } })));
      off();
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => start + i + 1));
      expect(seen).toEqual(stored.map((e) => e.seq));
      const after = (await commits.get()).values[0]?.value ?? 0;
      expect(after - before).toBe(1);
      const back = await journal.read({ afterSeq: start, limit: 5000, types: ['Tick'] });
      expect(back).toHaveLength(1200);
      expect(back[1199]?.payload).toEqual({ i: 1199 });
    });

    it('a failing projection rejects only its own caller and leaves no rows, the others commit', async () => {
      await store.db.schema.createTable('jt_items').ifNotExists().addColumn('id', 'text', (c) => c.primaryKey()).execute();
      const db = store.db as unknown as Kysely<{ jt_items: { id: string } }>;
      const ok1 = journal.append({ type: 'ItemAdded', payload: { id: 'a' } }, async (tx) => {
        await (tx as unknown as typeof db).insertInto('jt_items').values({ id: 'a' }).execute();
      });
      const bad = journal.append({ type: 'ItemAdded', payload: { id: 'b' } }, async (tx) => {
        await (tx as unknown as typeof db).insertInto('jt_items').values({ id: 'b' }).execute();
        await (tx as unknown as typeof db).insertInto('jt_items').values({ id: 'a' }).execute(); // duplicate key
      });
      const ok2 = journal.append({ type: 'ItemAdded', payload: { id: 'c' } }, async (tx) => {
        await (tx as unknown as typeof db).insertInto('jt_items').values({ id: 'c' }).execute();
      });
      const [r1, r2, r3] = await Promise.allSettled([ok1, bad, ok2]);
      expect(r1.status).toBe('fulfilled');
      expect(r2.status).toBe('rejected');
      expect(r3.status).toBe('fulfilled');
      const s1 = (r1 as PromiseFulfilledResult<JournalEvent>).value.seq;
      const s3 = (r3 as PromiseFulfilledResult<JournalEvent>).value.seq;
      expect(s3).toBe(s1 + 1); // no gap where the failed command was
      const ids = (await db.selectFrom('jt_items').select('id').orderBy('id').execute()).map((r) => r.id);
      expect(ids).toEqual(['a', 'c']);
      const evs = await journal.read({ afterSeq: s1 - 1, types: ['ItemAdded'] });
      expect(evs.map((e) => (e.payload as { id: string }).id)).toEqual(['a', 'c']);
    });

    it('a chain: after one of its commands fails, the later ones are refused, in the same group and after; others and a new chain commit', async () => {
      await store.db.schema.createTable('jt_chain').ifNotExists().addColumn('id', 'text', (c) => c.primaryKey()).execute();
      const db = store.db as unknown as Kysely<{ jt_chain: { id: string } }>;
      const put = (id: string, dup = false) => async (tx: unknown) => {
        await (tx as typeof db).insertInto('jt_chain').values({ id }).execute();
        if (dup) await (tx as typeof db).insertInto('jt_chain').values({ id }).execute(); // duplicate key
      };
      const chain = journal.chain();
      const ev = (id: string) => [{ type: 'ChainItem', payload: { id } }];
      // One group (one turn): c1 commits, c2 fails, c3 (same chain) is refused, x (no chain) commits.
      const r = await Promise.allSettled([
        journal.appendAll(ev('c1'), put('c1'), undefined, chain),
        journal.appendAll(ev('c2'), put('c2', true), undefined, chain),
        journal.appendAll(ev('c3'), put('c3'), undefined, chain),
        journal.appendAll(ev('x'), put('x')),
      ]);
      expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((r[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(chain.broken).toBeDefined();
      // Later commands of the broken chain are refused at once; a new chain commits.
      await expect(journal.appendAll(ev('c4'), put('c4'), undefined, chain)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      const fresh = journal.chain();
      await journal.appendAll(ev('n1'), put('n1'), undefined, fresh);
      expect(fresh.broken).toBeUndefined();
      const ids = (await db.selectFrom('jt_chain').select('id').orderBy('id').execute()).map((x) => x.id);
      expect(ids).toEqual(['c1', 'n1', 'x']);
      const evs = await journal.read({ types: ['ChainItem'] });
      expect(evs.map((e) => (e.payload as { id: string }).id)).toEqual(['c1', 'x', 'n1']);
    });

    it('filters by visibility: public plus own for a member, all for admin', async () => {
      const base = journal.lastSeq();
      await Promise.all([
        journal.append({ type: 'V', topic: 't', payload: 1 }),
        journal.append({ type: 'V', topic: 't', visibility: ['mem_a'], payload: 2 }),
        journal.append({ type: 'V', topic: 't', visibility: ['mem_b', 'mem_a'], payload: 3 }),
        journal.append({ type: 'V', topic: 't', visibility: ['mem_b'], payload: 4 }),
        journal.append({ type: 'V', topic: 't', visibility: [], payload: 5 }),
      ]);
      const as = async (m?: string) => (await journal.read({ afterSeq: base, ...(m ? { visibleTo: m } : {}) })).map((e) => e.payload);
      expect(await as()).toEqual([1, 2, 3, 4, 5]);
      expect(await as('mem_a')).toEqual([1, 2, 3]);
      expect(await as('mem_b')).toEqual([1, 3, 4]);
      expect(await as('mem_c')).toEqual([1]);
      const all = await journal.read({ afterSeq: base });
      expect(all[2]?.visibleTo).toEqual(['mem_a', 'mem_b']);
      expect(all[0]?.visibleTo).toBeNull();
    });

    it('appendAll stores several events atomically for one command', async () => {
      const evs = await journal.appendAll([
        { type: 'TradeMatched', payload: { n: 1 } },
        { type: 'OrderFilled', payload: { n: 2 } },
      ]);
      expect(evs[1]!.seq).toBe(evs[0]!.seq + 1);
    });

    it('recovers the sequence after a restart and refuses appends once closed', async () => {
      const last = journal.lastSeq();
      await journal.close();
      await expect(journal.append({ type: 'Late', payload: null })).rejects.toMatchObject({ code: 'JOURNAL_CLOSED' });
      await store.close();
      await open();
      expect(journal.lastSeq()).toBe(last);
      const e = await journal.append({ type: 'AfterRestart', payload: null });
      expect(e.seq).toBe(last + 1);
    });

    it('without group commit uses one transaction per command (the benchmark reference)', async () => {
      const single = createJournal({ db: store.db, clock, reporter: createReporter({ destination: false }) }, { groupCommit: false });
      await journal.flush();
      await single.start();
      const evs = await Promise.all(Array.from({ length: 20 }, () => single.append({ type: 'One', payload: null })));
      expect(new Set(evs.map((e) => e.seq)).size).toBe(20);
      await single.close();
      await journal.start(); // pick up the seqs the other writer used
    });
  });
}

describe('journal when the database fails', () => {
  it('rejects the batch with STORE_UNAVAILABLE, keeps no seq, and recovers when the database is back', async () => {
    const pg = await createTempDatabase();
    const reporter = createReporter({ destination: false });
    const store = createStore({ kind: 'postgres', url: pg.url }, { reporter });
    try {
      await store.migrate();
      const journal = createJournal({ db: store.db, dialect: store.dialect, clock: new ManualClock(0), reporter });
      await journal.start();
      await journal.append({ type: 'Before', payload: null });
      // Make the journal's own insert fail (a failing projection would only fail its command).
      await sql`alter table journal rename to journal_away`.execute(store.db);
      const failed = await Promise.allSettled([journal.append({ type: 'Lost', payload: 1 }), journal.append({ type: 'Lost', payload: 2 })]);
      expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await sql`alter table journal_away rename to journal`.execute(store.db);
      const after = await journal.append({ type: 'After', payload: null });
      expect(after.seq).toBe(2);
      expect((await journal.read({})).map((e) => e.type)).toEqual(['Before', 'After']);
      await journal.close();
    } finally {
      await store.close();
      await pg.drop();
    }
  });
});

describe('migrations', () => {
  it('apply in id order, each once; a failing one stops the start and leaves the schema at the previous version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-migrate-'));
    const path = join(dir, 'm.sqlite');
    const applied: string[] = [];
    const ok = (id: string) => ({
      id,
      up: async (db: Kysely<unknown>) => {
        applied.push(id);
        await db.schema.createTable(`t_${id.slice(0, 4)}`).addColumn('x', 'integer').execute();
      },
    });
    const bad = { id: '0150-market-broken', up: async () => Promise.reject(new Error('boom')) };
    try {
      const s1 = createStore({ kind: 'sqlite', path }, { migrations: [ok('0200-quality-a'), ok('0001-foundation-a')] });
      expect(await s1.migrate()).toEqual(['0001-foundation-a', '0200-quality-a']);
      expect(await s1.migrate()).toEqual([]);
      await s1.close();
      const s2 = createStore({ kind: 'sqlite', path }, { migrations: [ok('0001-foundation-a'), ok('0200-quality-a'), bad, ok('0300-metering-a')] });
      await expect(s2.migrate()).rejects.toMatchObject({ code: 'STORE_MIGRATION_FAILED' });
      const ids = (await s2.db.selectFrom('schema_migrations').select('id').orderBy('id').execute()).map((r) => r.id);
      expect(ids).toEqual(['0001-foundation-a', '0200-quality-a']);
      expect(applied).toEqual(['0001-foundation-a', '0200-quality-a']);
      await s2.close();
      const s3 = createStore({ kind: 'sqlite', path }, { migrations: [ok('0001-foundation-a'), ok('0001-market-b')] });
      await expect(s3.migrate()).rejects.toThrow(/unique number/);
      await s3.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
