/**
 * The metering service: a FlowSink that turns collected flows into per-port traffic levels
 * (SPEC A1, A5, B8), flushes closed bins to its repository on a timer, and answers traffic
 * series and top destinations (repository rows merged with still-open bins, so the view is live).
 *
 * Threaded (`sink.worker()`, used by flow-service with flow.decodeThreads 1): the collector's
 * decode worker runs worker-sink.ts — mapping, classification and spreading happen there — and
 * posts additive bin deltas about every `workerFlushMs`, which `applyDeltas` adds here.
 *
 * Durability: open bins live in memory until they close (+ flushDelay). Every
 * `checkpointSeconds` (and after every flush) they are written whole to `checkpointFile`
 * (atomically: temporary file + rename) and read back at start, so a crash (kill -9) loses at
 * most the last checkpoint interval plus one worker delta interval. The checkpoint is a file, not
 * repository rows, because each repository write is a `UsageSampled` event that consumers read as
 * a complete bin.
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { Clock, Reporter } from '../lib/index.ts';
import type { FlowRecord, FlowSink } from '../flow/index.ts';
import { Aggregator } from './aggregator.ts';
import { PortMapper } from './port-mapper.ts';
import type { PortDirectory } from './port-directory.ts';
import type { BinRow, DestinationRow, MeteringRepo } from './metering-repo.ts';
import { portTableOf } from './port-table.ts';
import type { MeteringDeltas, MeteringWorkerOptions } from './worker-sink.ts';
import { checkMeteringConfig, meteringConfigDefaults } from './config.ts';
import type { MeteringConfig } from './config.ts';
import { meteringErrors } from './errors.ts';

export interface MeteringDeps {
  clock: Clock;
  reporter: Reporter;
  ports: PortDirectory;
  repo: MeteringRepo;
  /** Where open bins are checkpointed (none: no checkpoint); see `meteringCheckpointFile`. */
  checkpointFile?: string;
}

/** What the collector needs to run this sink in its decode worker (flow-service.ts). */
export interface MeteringWorkerSpec {
  /** Module URL for `sinkModule`. */
  module: string;
  options: MeteringWorkerOptions;
  /** Hook for the collector's `onSinkMessage`. */
  onMessage(data: unknown): void;
  /** Sends the worker the port table whenever it changes (polled); returns a stop function. */
  follow(post: (data: unknown) => void): () => void;
}

/** The checkpoint file: `metering.checkpointFile`, else next to the SQLite database; none for
 * an in-memory database or PostgreSQL without the setting (or with checkpointSeconds 0). */
export function meteringCheckpointFile(cfg: Partial<MeteringConfig>, sqlitePath?: string): string | undefined {
  if (cfg.checkpointSeconds === 0) return undefined;
  if (cfg.checkpointFile) return cfg.checkpointFile;
  if (sqlitePath && sqlitePath !== ':memory:' && !sqlitePath.startsWith('file::memory:')) return `${sqlitePath}.metering-open.json`;
  return undefined;
}

/** How often the port table is compared with what the decode worker has (a new port maps within this). */
const PORT_TABLE_POLL_MS = 50;

interface CheckpointBody { version: 1; binMs: number; savedAt: number; bins: BinRow[]; destinations: DestinationRow[] }

export interface RatePair { in: number; out: number }

export interface TrafficPoint {
  /** Start of the step, epoch ms. */
  time: number;
  /** bits per second averaged over the step. */
  inBps: number;
  outBps: number;
  providers: Record<string, RatePair>;
  classes: Record<string, RatePair>;
}

export interface TrafficSeries {
  portId: string;
  from: number;
  to: number;
  stepMs: number;
  binMs: number;
  byteLayer: 'l3' | 'exported';
  points: TrafficPoint[];
  /** Bytes and packets over the whole range. */
  totals: { inBytes: number; outBytes: number; inPackets: number; outPackets: number };
}

export interface MeteringService {
  /** `worker()`: how to run this sink in the collector's decode worker (null: the registry cannot list ports). */
  readonly sink: FlowSink & { worker(): MeteringWorkerSpec | null };
  /** Adds bin deltas aggregated elsewhere (the decode worker). */
  applyDeltas(d: MeteringDeltas): void;
  /** Writes the open bins to the checkpoint file now (no-op without one). */
  checkpoint(): Promise<void>;
  readonly config: MeteringConfig;
  ingest(rec: FlowRecord): void;
  /** Writes bins that ended at least flushDelay ago (all of them with `all`). */
  flush(all?: boolean): Promise<number>;
  traffic(portId: string, from: number, to: number, stepMs?: number): Promise<TrafficSeries>;
  topDestinations(portId: string, from: number, to: number, limit?: number): Promise<Array<{ prefix: string; bytes: number; bits: number }>>;
  stats(): { flows: number; unattributed: number; openBins: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMetering(deps: MeteringDeps, config: Partial<MeteringConfig> = {}): MeteringService {
  const cfg: MeteringConfig = { ...meteringConfigDefaults, ...config };
  checkMeteringConfig(cfg);
  const binMs = cfg.binSeconds * 1000;
  const mapper = new PortMapper(deps.ports);
  const agg = new Aggregator(mapper, {
    binMs, byteLayer: cfg.byteLayer as 'l3' | 'exported', maxFlowMs: cfg.maxFlowSeconds * 1000,
    topDestinations: cfg.topDestinations, v4PrefixLength: cfg.v4PrefixLength, v6PrefixLength: cfg.v6PrefixLength,
  });
  const r = deps.reporter;
  const flowsCounter = r.counter('bandex_metering_flows_total', 'Flow records attributed to at least one member port');
  const unattributedCounter = r.counter('bandex_metering_unattributed_flows_total', 'Flow records matching no member port');
  const binsCounter = r.counter('bandex_metering_bin_rows_written_total', 'Bin rows written to the store');
  const openGauge = r.gauge('bandex_metering_open_bins', 'Port bins still open in memory');
  const deltasCounter = r.counter('bandex_metering_worker_deltas_total', 'Bin delta batches received from the collector decode worker');
  const checkpointsCounter = r.counter('bandex_metering_checkpoints_total', 'Open-bin checkpoints written', ['result']);
  const restoredCounter = r.counter('bandex_metering_checkpoint_rows_restored_total', 'Open-bin rows read back from the checkpoint at start');
  const file = deps.checkpointFile;
  let timer: NodeJS.Timeout | null = null;
  let cpTimer: NodeJS.Timeout | null = null;
  let flushing: Promise<number> | null = null;
  let dirty = false;

  function ingest(rec: FlowRecord): void {
    const before = agg.unattributed;
    agg.ingest(rec);
    dirty = true;
    if (agg.unattributed !== before) unattributedCounter.inc();
    else flowsCounter.inc();
  }

  function applyDeltas(d: MeteringDeltas): void {
    agg.addRows(d.bins, d.destinations);
    // flows/unattributed: totals over both paths (inline ingest and worker deltas)
    agg.flows += d.flows;
    agg.unattributed += d.unattributed;
    if (d.flows) flowsCounter.inc(d.flows);
    if (d.unattributed) unattributedCounter.inc(d.unattributed);
    deltasCounter.inc();
    dirty = true;
  }

  async function writeCheckpoint(): Promise<void> {
    if (!file) return;
    dirty = false;
    const body: CheckpointBody = { version: 1, binMs, savedAt: deps.clock.now(), ...agg.snapshot() };
    const tmp = `${file}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(body));
      await rename(tmp, file);
      checkpointsCounter.inc({ result: 'ok' });
    } catch (err) {
      dirty = true;
      checkpointsCounter.inc({ result: 'failed' });
      r.error('metering', 'METERING_CHECKPOINT_FAILED', err, { file });
    }
  }

  async function restore(): Promise<void> {
    if (!file) return;
    let body: CheckpointBody;
    try {
      body = JSON.parse(await readFile(file, 'utf8')) as CheckpointBody;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') r.error('metering', 'METERING_CHECKPOINT_FAILED', err, { file, reading: true });
      return;
    }
    if (body.version !== 1 || !Array.isArray(body.bins)) return;
    if (body.binMs === binMs) agg.addRows(body.bins, body.destinations);
    else await deps.repo.addBins(body.bins, body.destinations); // bin length changed: store them as they were
    restoredCounter.inc(body.bins.length);
    r.log.info({ file, rows: body.bins.length, savedAt: body.savedAt }, 'metering: open bins restored from checkpoint');
  }

  async function flushNow(all: boolean): Promise<number> {
    const upTo = all ? Infinity : deps.clock.now() - cfg.flushDelaySeconds * 1000;
    const { bins, destinations } = agg.drain(upTo);
    openGauge.set(agg.openBins());
    if (bins.length === 0) return 0;
    try {
      await deps.repo.addBins(bins, destinations);
    } catch (err) {
      // keep them open (and in the checkpoint): the next flush tries again
      agg.addRows(bins, destinations);
      r.error('metering', 'METERING_FLUSH_FAILED', err, { rows: bins.length });
      throw err;
    }
    binsCounter.inc(bins.length);
    // at once, so a crash now does not restore (and store again) what was just written
    await writeCheckpoint();
    return bins.length;
  }

  /** Serialises flushes and checkpoints: rows are never written twice concurrently. */
  function queue<T>(job: () => Promise<T>): Promise<T> {
    const run = (flushing ?? Promise.resolve(0)).catch(() => 0).then(job);
    flushing = run.then(() => 0);
    return run;
  }

  function flush(all = false): Promise<number> {
    return queue(() => flushNow(all));
  }

  function worker(): MeteringWorkerSpec | null {
    if (!portTableOf(deps.ports)) return null;
    return {
      module: new URL('./worker-sink.ts', import.meta.url).href,
      options: {
        aggregator: {
          binMs, byteLayer: cfg.byteLayer as 'l3' | 'exported', maxFlowMs: cfg.maxFlowSeconds * 1000,
          topDestinations: cfg.topDestinations, v4PrefixLength: cfg.v4PrefixLength, v6PrefixLength: cfg.v6PrefixLength,
        },
        ports: portTableOf(deps.ports)!,
        postEveryMs: cfg.workerFlushMs,
      },
      onMessage: (data) => {
        if ((data as MeteringDeltas)?.type === 'deltas') applyDeltas(data as MeteringDeltas);
      },
      follow(post) {
        // the registry replaces a port's object when it changes, so comparing identities is a
        // cheap first test; the table text decides whether the worker needs a new copy
        let seen = deps.ports.listPorts!();
        let last = JSON.stringify(portTableOf(deps.ports));
        const t = setInterval(() => {
          const now = deps.ports.listPorts!();
          if (now.length === seen.length && now.every((p, i) => p === seen[i])) return;
          seen = now;
          const table = portTableOf(deps.ports)!;
          const text = JSON.stringify(table);
          if (text === last) return;
          last = text;
          post({ type: 'ports', ports: table });
        }, PORT_TABLE_POLL_MS);
        t.unref();
        return () => clearInterval(t);
      },
    };
  }

  function checkRange(from: number, to: number): void {
    if (!Number.isFinite(from)) throw meteringErrors.make('METERING_BAD_RANGE', 'from must be a time', { field: 'from' });
    if (!Number.isFinite(to) || to <= from) throw meteringErrors.make('METERING_BAD_RANGE', 'to must be after from', { field: 'to' });
  }

  async function rowsFor(portId: string, from: number, to: number): Promise<BinRow[]> {
    const lo = Math.floor(from / binMs) * binMs;
    const stored = await deps.repo.queryBins(portId, binMs, lo, to);
    return [...stored, ...agg.peek(portId, lo, to).bins];
  }

  async function traffic(portId: string, from: number, to: number, stepMs = binMs): Promise<TrafficSeries> {
    checkRange(from, to);
    if (!Number.isInteger(stepMs) || stepMs <= 0 || stepMs % binMs !== 0) {
      throw meteringErrors.make('METERING_BAD_STEP', `step must be a positive multiple of the ${cfg.binSeconds} s bin`, { field: 'step' });
    }
    const start = Math.floor(from / stepMs) * stepMs;
    const count = Math.ceil((to - start) / stepMs);
    if (count > cfg.maxPoints) {
      throw meteringErrors.make('METERING_BAD_STEP', `${count} points exceed the limit of ${cfg.maxPoints}; use a larger step`, { field: 'step' });
    }
    const secs = stepMs / 1000;
    const points: TrafficPoint[] = Array.from({ length: count }, (_, i) => ({
      time: start + i * stepMs, inBps: 0, outBps: 0, providers: {}, classes: {},
    }));
    const totals = { inBytes: 0, outBytes: 0, inPackets: 0, outPackets: 0 };
    for (const row of await rowsFor(portId, start, start + count * stepMs)) {
      const p = points[Math.floor((row.binStart - start) / stepMs)];
      if (!p) continue;
      const inBps = (row.inBytes * 8) / secs;
      const outBps = (row.outBytes * 8) / secs;
      if (row.dimension === 'total') {
        p.inBps += inBps;
        p.outBps += outBps;
        totals.inBytes += row.inBytes;
        totals.outBytes += row.outBytes;
        totals.inPackets += row.inPackets;
        totals.outPackets += row.outPackets;
      } else {
        const m = row.dimension === 'provider' ? p.providers : p.classes;
        const e = (m[row.key] ??= { in: 0, out: 0 });
        e.in += inBps;
        e.out += outBps;
      }
    }
    return { portId, from: start, to: start + count * stepMs, stepMs, binMs, byteLayer: cfg.byteLayer as 'l3' | 'exported', points, totals };
  }

  async function topDestinations(portId: string, from: number, to: number, limit = 10) {
    checkRange(from, to);
    const lo = Math.floor(from / binMs) * binMs;
    const stored = await deps.repo.topDestinations(portId, binMs, lo, to, Math.max(limit, cfg.topDestinations));
    const sums = new Map(stored.map((d) => [d.prefix, d.bytes]));
    for (const d of agg.peek(portId, lo, to).destinations) sums.set(d.prefix, (sums.get(d.prefix) ?? 0) + d.bytes);
    return [...sums]
      .map(([prefix, bytes]) => ({ prefix, bytes, bits: bytes * 8 }))
      .sort((a, b) => b.bytes - a.bytes || (a.prefix < b.prefix ? -1 : 1))
      .slice(0, limit);
  }

  return {
    sink: { flow: ingest, worker },
    applyDeltas,
    checkpoint: () => queue(writeCheckpoint),
    config: cfg,
    ingest,
    flush,
    traffic,
    topDestinations,
    stats: () => ({ flows: agg.flows, unattributed: agg.unattributed, openBins: agg.openBins() }),
    async start() {
      await restore();
      timer = setInterval(() => {
        flush().catch(() => {}); // counted and logged in flushNow
      }, cfg.flushIntervalSeconds * 1000);
      timer.unref();
      if (file && cfg.checkpointSeconds > 0) {
        cpTimer = setInterval(() => {
          if (dirty) void queue(writeCheckpoint);
        }, cfg.checkpointSeconds * 1000);
        cpTimer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (cpTimer) clearInterval(cpTimer);
      timer = cpTimer = null;
      await flush(true);
      // everything is stored: nothing to restore next time
      if (file) await queue(() => unlink(file).catch(() => {}));
    },
  };
}
