/** The journal's background checkpointer (SQLite): the WAL reaches the database file off the commit path. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { createJournal, createStore } from '../../src/store/index.ts';

describe('journal background checkpoint [sqlite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts once the WAL has grown, copies committed pages into the file, restores SQLite auto-checkpoint on close', async () => {
    const file = join(dir, 'c.sqlite');
    const reporter = createReporter({ destination: false });
    const store = createStore({ kind: 'sqlite', path: file }, { reporter });
    await store.migrate();
    const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-11-01T00:00:00Z'), reporter });
    await journal.start();
    // Small: SQLite's own checkpoints, no thread.
    await journal.append({ type: 'Small', payload: {} });
    expect(store.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    const blob = 'x'.repeat(1000);
    // ~5 MB: past the 4 MB mark, the thread takes over.
    await Promise.all(Array.from({ length: 5000 }, (_, i) => journal.append({ type: 'Big', payload: { i, blob } })));
    expect(store.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(file).size;
    await Promise.all(Array.from({ length: 3000 }, (_, i) => journal.append({ type: 'Big', payload: { i: 5000 + i, blob } })));
    // ~3 MB more committed to the WAL; the checkpointer copies it into the database file.
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 2_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBeGreaterThan(before + 2_000_000);
    expect((await journal.read({ afterSeq: 8000 })).map((e) => e.payload)).toEqual([{ i: 7999, blob }]);
    await journal.close();
    expect(store.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await store.close();
  });

  it('spaces checkpoints by checkpointIntervalMs while commits keep coming, and still copies the WAL into the file', async () => {
    const file = join(dir, 'spaced.sqlite');
    const reporter = createReporter({ destination: false });
    const store = createStore({ kind: 'sqlite', path: file }, { reporter });
    await store.migrate();
    const intervalMs = 400;
    const journal = createJournal(
      { db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-11-01T00:00:00Z'), reporter },
      { backgroundCheckpointAfterBytes: 1 << 20, checkpointIntervalMs: intervalMs },
    );
    await journal.start();
    const count = async () => (await reporter.registry.getSingleMetric('bandex_journal_checkpoints_total')?.get())?.values[0]?.value ?? 0;
    const blob = 'x'.repeat(1000);
    const t0 = performance.now();
    // Many small groups, each poking the checkpointer: back to back they would checkpoint after
    // nearly every one.
    let i = 0;
    let groups = 0;
    while (performance.now() - t0 < 1500) {
      await Promise.all(Array.from({ length: 50 }, () => journal.append({ type: 'Big', payload: { i: i++, blob } })));
      groups++;
    }
    const elapsed = performance.now() - t0;
    // Let the last armed checkpoint run.
    await new Promise((r) => setTimeout(r, intervalMs + 300));
    const n = await count();
    expect(groups).toBeGreaterThan(20);
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(Math.ceil((elapsed + intervalMs + 300) / intervalMs) + 1);
    // What was checkpointed is in the database file (the 1 MB start mark alone is far below it).
    expect(statSync(file).size).toBeGreaterThan(2_000_000);
    await journal.close();
    await store.close();
  });

  it('close() waits for the thread without leaving the process with nothing to wait on', () => {
    // A process whose last handle is the checkpointer must still finish `await journal.close()`
    // (an unref'd thread's exit would not keep it alive: exit code 13, unsettled await).
    const script = join(dir, 'close.mts');
    const src = resolve(import.meta.dirname, '../../src');
    writeFileSync(script, `
      import { createReporter, systemClock } from '${src}/lib/index.ts';
      import { createJournal, createStore } from '${src}/store/index.ts';
      const reporter = createReporter({ destination: false });
      const store = createStore({ kind: 'sqlite', path: '${join(dir, 'close.sqlite')}' }, { reporter });
      await store.migrate();
      const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite, clock: systemClock, reporter });
      await journal.start();
      await Promise.all(Array.from({ length: 5000 }, () => journal.append({ type: 'T', payload: { blob: 'x'.repeat(1000) } })));
      if (store.sqlite.pragma('wal_autocheckpoint', { simple: true }) !== 0) throw new Error('the checkpointer did not start');
      await journal.close();
      await store.close();
      console.log('closed');
    `);
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..') });
    expect(out.trim()).toBe('closed');
  });
});
