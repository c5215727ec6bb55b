/**
 * Journal throughput: acknowledged events per second (the promise of append() resolved, i.e.
 * committed and durable) with group commit vs the reference, one transaction per event, in the
 * same run, on SQLite (WAL; `pipelined`, the default: NORMAL commits and an fdatasync of the WAL
 * off the event loop before acknowledging; and `full`: the fsync inside every commit) and
 * PostgreSQL (127.0.0.1:5432). A sliding window of WINDOW appends in flight: each acknowledgement
 * submits the next append (waves that wait for all would leave nothing to commit during a sync).
 * Goal: ≥ 50 000 acknowledged events/s on SQLite with group commit.
 * Writes bench/results/journal.json. Options: --events N (default 200000), --quick.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReporter, systemClock } from '../src/lib/index.ts';
import { createJournal, createStore, type StoreConfig } from '../src/store/index.ts';
import { createTempDatabase } from '../test/support/postgres.ts';
import { type ComparedFigure, writeFigures } from './figures.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const EVENTS = arg('--events', quick ? 20_000 : 200_000);
const REFERENCE_EVENTS = Math.max(1000, Math.floor(EVENTS / 40));
/** Commands in flight at once, as many API requests / matching results would be. */
const WINDOW = 5000;

interface JournalFigure extends ComparedFigure {
  /** Acknowledged events per second of CPU time of the benchmark process (what one idle core would give). */
  eventsPerCpuSecond: number;
}

interface Rate {
  /** Acknowledged events per wall-clock second. */
  wall: number;
  /** Events per second of this process's CPU time: the rate on one otherwise idle core. */
  cpu: number;
}

async function run(cfg: StoreConfig, groupCommit: boolean, events: number): Promise<Rate> {
  const reporter = createReporter({ destination: false });
  const store = createStore(cfg, { reporter });
  await store.migrate();
  const journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock: systemClock, reporter }, { groupCommit, maxBatch: WINDOW });
  await journal.start();
  const payload = (i: number) => ({ orderId: `ord_${i}`, side: i % 2 ? 'buy' : 'sell', price: '12.500000', capacityMbps: 1000 });
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let done = 0;
    const one = (): void => {
      const k = next++;
      journal.append({ type: 'OrderPlaced', actor: 'bench', topic: 'orders', visibility: k % 4 === 0 ? [`mem_${k % 50}`] : 'public', payload: payload(k) }).then(() => {
        if (++done === events) resolve();
        else if (next < events) one();
      }, reject);
    };
    for (let i = 0; i < Math.min(WINDOW, events); i++) one();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await journal.close();
  await store.close();
  return { wall: events / secs, cpu: events / ((cpu.user + cpu.system) / 1e6) };
}

async function bench(label: string, make: () => Promise<{ cfg: StoreConfig; cleanup(): Promise<void> }>, goal: number | null): Promise<JournalFigure> {
  const a = await make();
  const grouped = await run(a.cfg, true, EVENTS);
  await a.cleanup();
  const b = await make();
  const single = await run(b.cfg, false, REFERENCE_EVENTS);
  await b.cleanup();
  const fig: JournalFigure = {
    name: `journal acknowledged events/s, group commit, ${label}`,
    value: Math.round(grouped.wall),
    unit: 'events/s',
    reference: `one transaction per event, ${label}`,
    referenceValue: Math.round(single.wall),
    goal: goal === null ? 'faster than the reference' : `>= ${goal} events/s`,
    met: goal === null ? grouped.wall > single.wall : grouped.wall >= goal,
    eventsPerCpuSecond: Math.round(grouped.cpu),
  };
  console.log(
    `${label.padEnd(34)} group commit ${fig.value.toLocaleString('en').padStart(9)} ev/s   one tx/event ${fig.referenceValue.toLocaleString('en').padStart(7)} ev/s   ratio ${(grouped.wall / single.wall).toFixed(1)}x   goal ${fig.goal}: ${fig.met ? 'met' : 'NOT met'}   (${fig.eventsPerCpuSecond.toLocaleString('en')} ev per CPU-second)`,
  );
  return fig;
}

const figures: JournalFigure[] = [];
console.log(`journal benchmark: ${EVENTS} events with group commit, ${REFERENCE_EVENTS} with one transaction per event, ${WINDOW} in flight`);
{
  // Warm-up (JIT, prepared statements' code paths), so the first configuration measured is not
  // the only cold one.
  const dir = mkdtempSync(join(tmpdir(), 'bandex-bench-'));
  await run({ kind: 'sqlite', path: join(dir, 'j.sqlite'), synchronous: 'normal' }, true, 20_000);
  rmSync(dir, { recursive: true, force: true });
}
/** A fresh SQLite file with the given `store.sqliteSynchronous`, removed afterwards. */
const sqliteFile = (synchronous: 'pipelined' | 'full') => async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-bench-'));
  return { cfg: { kind: 'sqlite', path: join(dir, 'j.sqlite'), synchronous }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) } as const;
};
figures.push(await bench('SQLite (WAL, pipelined fsync)', sqliteFile('pipelined'), 50_000));
figures.push(await bench('SQLite (WAL, synchronous=FULL)', sqliteFile('full'), 50_000));
try {
  figures.push(
    await bench(
      'PostgreSQL (127.0.0.1)',
      async () => {
        const db = await createTempDatabase('bandex_bench');
        return { cfg: { kind: 'postgres', url: db.url }, cleanup: () => db.drop() };
      },
      null,
    ),
  );
} catch (e) {
  console.log(`PostgreSQL skipped: ${(e as Error).message}`);
}
// The machine's load matters for wall-clock figures: record it beside them.
const environment = { cpus: cpus().length, loadavg1m: Number(loadavg()[0]?.toFixed(2)) };
console.log(`machine: ${environment.cpus} CPUs, load average ${environment.loadavg1m}`);
writeFigures('journal', figures, { environment });
