/**
 * The quality component: the database, the scheduler, the exchange's own probe loop, probe
 * agents and third-party imports behind one object that `bandex serve` starts. It is the live
 * `QualitySource` the market reads.
 *
 * Who may file what (B6: measured quality, not claims):
 * - an admin may file measurements for any provider, verified (the default) or not, under any source;
 * - a probe agent (an `agent` API key of the foundation, bound to one agent and its provider)
 *   files for that provider only, always verified, under `agent:<id>`; it gets its jobs from the
 *   scheduler's `agent:<provider>` lane. The key is checked by the foundation's auth; this
 *   component keeps the agent records and refuses agents it does not know or has revoked;
 * - a member may file claims about itself only; they are stored as unverified (`member:<id>`) and
 *   never outrank a verified measurement.
 */
import type { Clock, EventSource, IdSource, Reporter } from '../lib/index.ts';
import type { AsPathSource } from './as-path-source.ts';
import type { QualityConfig } from './config.ts';
import { qualityErrors } from './errors.ts';
import { createEventFeed } from './event-feed.ts';
import { type ImportOptions, parseAtlasPing } from './import-atlas.ts';
import { parseQualityCsv } from './import-csv.ts';
import { type Measurement, validateMeasurement } from './measurement.ts';
import { runProbeJob } from './probers/run-probe.ts';
import { QualityDb, type ProviderView, type SeriesView } from './quality-db.ts';
import type { ProbeAgentRecord, QualityRepository, StoredMeasurement } from './quality-repository.ts';
import type { QualityObservation, QualitySource } from './quality-source.ts';
import type { ClassConfig } from './response-classes.ts';
import { type ProbeJob, ProbeScheduler, type ProbeTarget } from './scheduler.ts';

export type Submitter = { role: 'admin' } | { role: 'agent'; agentId: string; provider: string } | { role: 'member'; memberId: string };

export interface QualityDeps {
  clock: Clock;
  ids: IdSource;
  reporter: Reporter;
  repo: QualityRepository;
  asPaths?: AsPathSource;
  /** The journal: registered prefixes become targets, orders and trades raise interest. */
  events?: EventSource;
  /** Port → owning member, so metering's usage weighs each member's targets. */
  memberOfPort?: (portId: string) => string | undefined;
}

export interface JobResult {
  at: number;
  sent: number;
  rtts: number[];
}

export interface QualityService extends QualitySource {
  readonly db: QualityDb;
  readonly scheduler: ProbeScheduler;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Files measurements after checking who may file them; all or nothing. Returns them as stored. */
  submit(ms: Measurement[], by: Submitter): Promise<StoredMeasurement[]>;
  importFile(format: 'atlas' | 'csv', text: string, opts: ImportOptions, by: Submitter): Promise<{ stored: StoredMeasurement[]; skipped: Array<{ index: number; reason: string }> }>;
  stats(provider: string, destination?: string): { provider: ProviderView | undefined; series: SeriesView[] };
  addTarget(t: ProbeTarget): Promise<string>;
  removeTarget(key: string): Promise<boolean>;
  listTargets(): ReturnType<ProbeScheduler['targets']>;
  /**
   * Registers an agent for `provider`: allocates its id, has `issueKey(agentId)` create its API
   * key (returning the key's token hash, recorded with the agent), then stores the agent.
   */
  registerAgent(provider: string, issueKey: (agentId: string) => Promise<string>): Promise<ProbeAgentRecord>;
  revokeAgent(id: string): Promise<boolean>;
  listAgents(): ProbeAgentRecord[];
  /** The active agent with this id, or undefined (unknown or revoked). */
  activeAgent(id: string): ProbeAgentRecord | undefined;
  leaseJobs(by: Submitter, max: number): ProbeJob[];
  reportJob(by: Submitter, jobId: string, result: JobResult): Promise<StoredMeasurement>;
}

export function classConfigOf(c: QualityConfig): ClassConfig {
  return {
    classes: c.classes,
    marginMs: c.classMarginMs,
    marginRatio: c.classMarginRatio,
    consecutive: c.classConsecutive,
    statistic: c.classStatistic as ClassConfig['statistic'],
    minSamples: c.classMinSamples,
  };
}

const REPLAY_PAGE = 5000;


export function createQuality(deps: QualityDeps, config: QualityConfig): QualityService {
  const { clock, ids, reporter, repo } = deps;
  const log = reporter.child({ component: 'quality' });
  const mMeasurements = reporter.counter('bandex_quality_measurements_total', 'Measurements filed, by kind of source and verification', ['source', 'verified']);
  const mPackets = reporter.counter('bandex_quality_packets_total', 'Probe packets filed, sent and received', ['result']);
  const mProbes = reporter.counter('bandex_quality_probes_total', 'Probe runs of the exchange loop by method and outcome', ['method', 'outcome']);
  const mClass = reporter.counter('bandex_quality_class_changes_total', 'Response-time class changes (provider-wide and per destination)', ['scope']);
  const mJobs = reporter.counter('bandex_quality_jobs_total', 'Probe jobs leased to agents and reported back', ['event']);
  const gTargets = reporter.gauge('bandex_quality_targets', 'Probe targets known to the scheduler');

  const db = new QualityDb(
    {
      clock,
      ...(deps.asPaths ? { asPaths: deps.asPaths } : {}),
      onClassChange: (c) => {
        mClass.inc({ scope: c.destination === undefined ? 'provider' : 'destination' });
        if (c.destination === undefined) log.log.info({ provider: c.provider, from: c.from, to: c.to, reason: c.reason }, 'response-time class changed');
      },
    },
    { window: config.window, classes: classConfigOf(config) },
  );
  const scheduler = new ProbeScheduler(ids, config.scheduler, clock.now());
  if (!Number.isInteger(config.concurrency) || config.concurrency < 1) {
    throw qualityErrors.make('QUALITY_BAD_CONFIG', 'quality.concurrency: must be an integer ≥ 1', { field: 'quality.concurrency' });
  }
  const sourceOf = new Map(config.sourceAddresses.map((s) => [s.provider, s.address]));
  const agents = new Map<string, ProbeAgentRecord>();
  let running = false;
  let unsubscribe: (() => void) | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  const inflight = new Set<Promise<void>>();

  function file(ms: Measurement[], by: Submitter): StoredMeasurement[] {
    const now = clock.now();
    return ms.map((raw, i) => {
      const m = validateMeasurement(raw, `measurements[${i}]`);
      if (by.role === 'agent') {
        checkAgent(by);
        if (m.provider !== by.provider) {
          throw qualityErrors.make('QUALITY_NOT_ALLOWED', `measurements[${i}].provider: this agent reports for ${by.provider} only`, { field: `measurements[${i}].provider` });
        }
        return { ...m, verified: true, source: `agent:${by.agentId}`, id: ids.next('qm'), receivedAt: now };
      }
      if (by.role === 'member') {
        if (m.provider !== by.memberId) {
          throw qualityErrors.make('QUALITY_NOT_ALLOWED', `measurements[${i}].provider: a member may file claims about itself only`, { field: `measurements[${i}].provider` });
        }
        return { ...m, method: 'claim', verified: false, source: `member:${by.memberId}`, id: ids.next('qm'), receivedAt: now };
      }
      return { ...m, id: ids.next('qm'), receivedAt: now };
    });
  }

  function ingest(stored: StoredMeasurement[]): void {
    for (const m of stored) {
      db.ingest(m);
      mMeasurements.inc({ source: m.source.split(':')[0], verified: String(m.verified) });
      mPackets.inc({ result: 'sent' }, m.sent);
      mPackets.inc({ result: 'received' }, m.rtts.length);
    }
  }

  async function persist(stored: StoredMeasurement[]): Promise<StoredMeasurement[]> {
    // Stored first, then counted in memory: what the statistics show is always on disk.
    await repo.saveMeasurements(stored);
    ingest(stored);
    return stored;
  }

  function pump(): void {
    if (!running) return;
    clearTimeout(timer);
    timer = undefined;
    while (inflight.size < config.concurrency) {
      const r = scheduler.next(clock.now(), 'exchange');
      if (!r.job) {
        timer = setTimeout(pump, Math.min(r.waitMs, 1000));
        timer.unref();
        return;
      }
      const job = r.job;
      const src = job.sourceAddress ?? sourceOf.get(job.provider);
      const p = runProbeJob(job, 'exchange', {
        intervalMs: config.packetIntervalMs,
        timeoutMs: config.packetTimeoutMs,
        ...(src ? { sourceAddress: src } : {}),
        ...(config.icmpWrap.length ? { icmpWrap: config.icmpWrap } : {}),
        now: () => clock.now(),
      })
        .then(async (m) => {
          mProbes.inc({ method: job.method, outcome: m.rtts.length ? 'reply' : 'lost' });
          await persist([{ ...m, id: ids.next('qm'), receivedAt: clock.now() }]);
        })
        .catch((e: unknown) => {
          mProbes.inc({ method: job.method, outcome: 'failed' });
          reporter.error('quality', qualityErrors.is(e) ? e.code : 'QUALITY_PROBE_FAILED', e, { target: job.target, provider: job.provider });
        })
        .finally(() => {
          inflight.delete(p);
          pump();
        });
      inflight.add(p);
    }
  }

  /** An agent key outliving its agent (revoked here, or never stored) files nothing. */
  function checkAgent(by: { agentId: string; provider: string }): void {
    const a = agents.get(by.agentId);
    if (!a || a.revokedAt !== null || a.provider !== by.provider) {
      throw qualityErrors.make('QUALITY_NOT_ALLOWED', `probe agent ${by.agentId} is unknown or revoked`, { field: 'token' });
    }
  }

  function agentOf(by: Submitter): { agentId: string; provider: string } {
    if (by.role !== 'agent') throw qualityErrors.make('QUALITY_NOT_ALLOWED', 'probe jobs are for probe agents: use an agent key', { field: 'token' });
    checkAgent(by);
    return by;
  }

  const service: QualityService = {
    db,
    scheduler,
    lookup: (p, d): QualityObservation | undefined => db.lookup(p, d),

    async start() {
      for (const a of await repo.listAgents()) agents.set(a.id, a);
      const now = clock.now();
      for (const t of config.targets) scheduler.upsertTarget(t, now);
      for (const t of await repo.listTargets()) scheduler.upsertTarget(t, now);
      gTargets.set(scheduler.size);
      // Replay what is still inside the statistics window, page by page.
      let replayed = 0;
      let cursor: string | undefined;
      for (;;) {
        const { items: page, next } = await repo.measurementsSince(now - config.window.maxAgeMs, REPLAY_PAGE, cursor);
        for (const m of page) {
          try {
            ingest([m]);
          } catch (e) {
            reporter.error('quality', 'QUALITY_REPLAY_SKIPPED', e, { id: m.id });
          }
        }
        replayed += page.length;
        if (next === null) break;
        cursor = next;
      }
      if (config.retentionDays > 0) {
        const prune = () =>
          repo
            .pruneMeasurements(clock.now() - config.retentionDays * 86_400_000)
            .then((n) => n && log.log.info({ deleted: n }, 'old measurements pruned'))
            .catch((e: unknown) => reporter.error('quality', 'QUALITY_PRUNE_FAILED', e));
        await prune();
        pruneTimer = setInterval(() => void prune(), 3_600_000);
        pruneTimer.unref();
      }
      if (deps.events) {
        const feed = createEventFeed(
          {
            scheduler,
            addTarget: (t) => service.addTarget(t),
            removeTarget: (k) => service.removeTarget(k),
            reporter,
            hasSourceAddress: (p) => sourceOf.has(p),
            ...(deps.memberOfPort ? { memberOfPort: deps.memberOfPort } : {}),
          },
          config.feed,
        );
        unsubscribe = deps.events.subscribe((e) => feed.handle(e));
      }
      log.log.info({ targets: scheduler.size, replayed, agents: [...agents.values()].filter((a) => a.revokedAt === null).length }, 'quality started');
      running = config.probing;
      pump();
    },

    async stop() {
      unsubscribe?.();
      clearInterval(pruneTimer);
      running = false;
      clearTimeout(timer);
      await Promise.allSettled([...inflight]);
    },

    async submit(ms, by) {
      return persist(file(ms, by));
    },

    async importFile(format, text, opts, by) {
      const verified = by.role === 'admin' ? (opts.verified ?? true) : by.role === 'agent';
      const parsed = format === 'atlas' ? parseAtlasPing(text, { ...opts, verified }) : parseQualityCsv(text, { ...opts, verified });
      const keepSource = parsed.measurements.map((m) => m.source);
      const stored = file(parsed.measurements, by);
      // An admin's import keeps the third party's own source label (ripe-atlas:…, csv:…).
      if (by.role === 'admin') stored.forEach((m, i) => (m.source = keepSource[i]));
      return { stored: await persist(stored), skipped: parsed.skipped };
    },

    stats(provider, destination) {
      return { provider: db.providerView(provider), series: db.series(provider, destination) };
    },

    async addTarget(t) {
      const key = scheduler.upsertTarget(t, clock.now());
      const stored = scheduler.targets().find((x) => x.key === key)!;
      await repo.saveTarget({ ...t, destination: stored.destination, key });
      gTargets.set(scheduler.size);
      pump();
      return key;
    },

    async removeTarget(key) {
      const had = scheduler.removeTarget(key);
      if (had) await repo.deleteTarget(key);
      gTargets.set(scheduler.size);
      return had;
    },

    listTargets: () => scheduler.targets(),

    async registerAgent(provider, issueKey) {
      if (!provider) throw qualityErrors.make('QUALITY_BAD_TARGET', 'provider: must name the member the agent runs in', { field: 'provider' });
      const id = ids.next('qagent');
      const tokenHash = await issueKey(id);
      const agent: ProbeAgentRecord = { id, provider, tokenHash, createdAt: clock.now(), revokedAt: null };
      await repo.saveAgent(agent);
      agents.set(agent.id, agent);
      return agent;
    },

    async revokeAgent(id) {
      const a = agents.get(id);
      if (!a || a.revokedAt !== null) return false;
      const revoked = { ...a, revokedAt: clock.now() };
      await repo.saveAgent(revoked);
      agents.set(id, revoked);
      return true;
    },

    listAgents: () => [...agents.values()],

    activeAgent(id) {
      const a = agents.get(id);
      return a && a.revokedAt === null ? a : undefined;
    },

    leaseJobs(by, max) {
      const a = agentOf(by);
      const n = Math.max(0, Math.min(max, config.maxLease));
      const jobs = scheduler.lease(`agent:${a.provider}`, a.agentId, n, clock.now());
      mJobs.inc({ event: 'leased' }, jobs.length);
      return jobs;
    },

    async reportJob(by, jobId, result) {
      const a = agentOf(by);
      const job = scheduler.leasedJob(jobId, a.agentId);
      if (!job) throw qualityErrors.make('QUALITY_JOB_NOT_FOUND', `jobId: no open job ${jobId} leased to this agent`, { field: 'jobId' });
      // Checked before the lease ends: a malformed report leaves the job open for a correct one.
      const filed = file(
        [
          {
            provider: job.provider,
            destination: job.destination,
            target: job.target,
            method: job.method,
            at: result.at,
            sent: result.sent,
            rtts: result.rtts,
            source: `agent:${a.agentId}`,
            verified: true,
          },
        ],
        by,
      );
      scheduler.complete(jobId, a.agentId);
      mJobs.inc({ event: 'reported' });
      const [stored] = await persist(filed);
      return stored;
    },
  };
  return service;
}
