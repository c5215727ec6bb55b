/**
 * The metering service: a FlowSink that turns collected flows into per-port traffic levels
 * (SPEC A1, A5, B8), flushes closed bins to its repository on a timer, and answers traffic
 * series and top destinations (repository rows merged with still-open bins, so the view is live).
 */
import type { Clock, Reporter } from '../lib/index.ts';
import type { FlowRecord, FlowSink } from '../flow/index.ts';
import { Aggregator } from './aggregator.ts';
import { PortMapper } from './port-mapper.ts';
import type { PortDirectory } from './port-directory.ts';
import type { BinRow, MeteringRepo } from './metering-repo.ts';
import { checkMeteringConfig, meteringConfigDefaults } from './config.ts';
import type { MeteringConfig } from './config.ts';
import { meteringErrors } from './errors.ts';

export interface MeteringDeps {
  clock: Clock;
  reporter: Reporter;
  ports: PortDirectory;
  repo: MeteringRepo;
}

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
  readonly sink: FlowSink;
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
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<number> | null = null;

  function ingest(rec: FlowRecord): void {
    const before = agg.unattributed;
    agg.ingest(rec);
    if (agg.unattributed !== before) unattributedCounter.inc();
    else flowsCounter.inc();
  }

  async function flushNow(all: boolean): Promise<number> {
    const upTo = all ? Infinity : deps.clock.now() - cfg.flushDelaySeconds * 1000;
    const { bins, destinations } = agg.drain(upTo);
    openGauge.set(agg.openBins());
    if (bins.length === 0) return 0;
    try {
      await deps.repo.addBins(bins, destinations);
    } catch (err) {
      r.error('metering', 'METERING_FLUSH_FAILED', err, { rows: bins.length });
      throw err;
    }
    binsCounter.inc(bins.length);
    return bins.length;
  }

  function flush(all = false): Promise<number> {
    // serialise flushes so rows are never written twice concurrently
    const run = (flushing ?? Promise.resolve(0)).catch(() => 0).then(() => flushNow(all));
    flushing = run;
    return run;
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
    sink: { flow: ingest },
    config: cfg,
    ingest,
    flush,
    traffic,
    topDestinations,
    stats: () => ({ flows: agg.flows, unattributed: agg.unattributed, openBins: agg.openBins() }),
    async start() {
      timer = setInterval(() => {
        flush().catch(() => {}); // counted and logged in flushNow
      }, cfg.flushIntervalSeconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await flush(true);
    },
  };
}
