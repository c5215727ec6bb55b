/**
 * Migration 0005 on a database written before it: private events keep their audience (now a
 * column of the row), member reads filter the same way, and the sequence continues.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { decodeAudience, encodeAudience } from '../../src/store/audience.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { type FreshDatabase, freshDatabase } from '../support/fresh-database.ts';

describe('journal audience encoding', () => {
  it('round-trips ids, including ones with the separator or the escape character', () => {
    for (const ms of [[], ['mem_a'], ['mem_a', 'mem_b'], ['a,b', '%', '%2C', 'x%25,y']]) {
      expect(decodeAudience(encodeAudience(ms))).toEqual(ms);
    }
    expect(decodeAudience(null)).toEqual([]);
    // `,a,` must not be found inside `,xa,` or `,a%2Cb,`.
    expect(encodeAudience(['xa', 'a,b']).includes(',a,')).toBe(false);
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`migration 0005-foundation-journal-audience [${dialect}]`, () => {
    let fresh: FreshDatabase | undefined;
    afterAll(async () => fresh?.drop());

    it('moves journal_audience rows into the event rows; reads and appends go on', async () => {
      fresh = await freshDatabase(dialect);
      const cfg = fresh.cfg;
      const reporter = createReporter({ destination: false });
      const before = migrations.filter((m) => m.id < '0005');
      const old = createStore(cfg, { reporter, migrations: before });
      await old.migrate();
      // Rows as the journal wrote them before 0005: a private flag plus one audience row per member.
      const rows: Array<[number, string | null, string[] | null]> = [
        [1, 'orders', ['mem_a']],
        [2, null, null],
        [3, 'trades', ['mem_b', 'mem_a']],
        [4, 'orders', ['odd,id%']],
        [5, 'orders', []],
      ];
      for (const [seq, topic, aud] of rows) {
        await sql`insert into journal (seq, time, type, actor, topic, private, payload)
          values (${seq}, ${1000 + seq}, ${'T' + seq}, ${'system'}, ${topic}, ${aud === null ? 0 : 1}, ${JSON.stringify({ n: seq })})`.execute(old.db);
        for (const m of aud ?? []) await sql`insert into journal_audience (member_id, seq) values (${m}, ${seq})`.execute(old.db);
      }
      await old.close();

      const store = createStore(cfg, { reporter });
      expect(await store.migrate()).toContain('0005-foundation-journal-audience');
      const tables = dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'journal%'`.execute(store.db)
        : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_name like 'journal%'`.execute(store.db);
      expect(tables.rows.map((r) => r.name).sort()).toEqual(['journal']);
      const clock = new ManualClock('2026-11-01T00:00:00Z');
      const journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter });
      await journal.start();
      expect(journal.lastSeq()).toBe(5);
      const all = await journal.read({});
      expect(all.map((e) => [e.seq, e.time, e.type, e.topic, e.visibleTo, e.payload])).toEqual([
        [1, 1001, 'T1', 'orders', ['mem_a'], { n: 1 }],
        [2, 1002, 'T2', null, null, { n: 2 }],
        [3, 1003, 'T3', 'trades', ['mem_a', 'mem_b'], { n: 3 }],
        [4, 1004, 'T4', 'orders', ['odd,id%'], { n: 4 }],
        [5, 1005, 'T5', 'orders', [], { n: 5 }],
      ]);
      expect((await journal.read({ visibleTo: 'mem_a' })).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await journal.read({ visibleTo: 'mem_b' })).map((e) => e.seq)).toEqual([2, 3]);
      expect((await journal.read({ visibleTo: 'odd,id%' })).map((e) => e.seq)).toEqual([2, 4]);
      expect((await journal.read({ visibleTo: 'id' })).map((e) => e.seq)).toEqual([2]);
      const e6 = await journal.append({ type: 'T6', visibility: ['mem_b'], payload: {} });
      expect(e6.seq).toBe(6);
      expect((await journal.read({ visibleTo: 'mem_b', afterSeq: 3 })).map((e) => [e.seq, e.visibleTo])).toEqual([[6, ['mem_b']]]);
      await journal.close();
      await store.close();
    });
  });
}
