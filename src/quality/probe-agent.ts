/**
 * The probe agent (`bandex probe-agent --url --token`): runs inside a member's (provider's)
 * network so its probes take that provider's paths. It speaks only the public API, like any
 * member software: lease jobs (`POST /v1/quality/jobs/lease`), run them with the local probers,
 * report each result (`POST /v1/quality/jobs/{id}/result`). The exchange files results under
 * the job's provider and destination, never under what the agent says.
 */
import { type Reporter, toIso } from '../lib/index.ts';
import { runProbeJob } from './probers/run-probe.ts';
import type { ProbeJob } from './scheduler.ts';

export interface ProbeAgentConfig {
  url: string;
  token: string;
  /** Jobs asked for per lease. */
  maxJobs: number;
  /** Wait between lease calls when there was nothing to do, or after an error (ms). */
  pollMs: number;
  packetIntervalMs: number;
  packetTimeoutMs: number;
  /** Local address to probe from (else the job's, else the system's choice). */
  sourceAddress?: string;
  icmpWrap?: string[];
}

export const probeAgentDefaults = { maxJobs: 10, pollMs: 5000, packetIntervalMs: 100, packetTimeoutMs: 1000 };

export interface ProbeAgent {
  start(): void;
  stop(): Promise<void>;
  /** One lease-run-report round; returns the number of jobs reported. */
  runOnce(): Promise<number>;
  readonly counters: { leased: number; reported: number; failed: number };
}

type ApiJob = Omit<ProbeJob, 'issuedAt'> & { issuedAt: string };

export function createProbeAgent(config: ProbeAgentConfig, reporter?: Reporter): ProbeAgent {
  const base = config.url.replace(/\/+$/, '');
  const counters = { leased: 0, reported: 0, failed: 0 };
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function call<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  async function runOnce(): Promise<number> {
    const { jobs } = await call<{ jobs: ApiJob[] }>('/v1/quality/jobs/lease', { max: config.maxJobs });
    counters.leased += jobs.length;
    const results = await Promise.allSettled(
      jobs.map(async (j) => {
        const job: ProbeJob = { ...j, issuedAt: Date.parse(j.issuedAt) };
        const m = await runProbeJob(job, 'agent', {
          intervalMs: config.packetIntervalMs,
          timeoutMs: config.packetTimeoutMs,
          ...(config.sourceAddress ? { sourceAddress: config.sourceAddress } : {}),
          ...(config.icmpWrap ? { icmpWrap: config.icmpWrap } : {}),
        });
        await call(`/v1/quality/jobs/${encodeURIComponent(job.id)}/result`, { at: toIso(m.at), sent: m.sent, rtts: m.rtts });
      }),
    );
    let ok = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') ok++;
      else {
        counters.failed++;
        reporter?.error('probe-agent', 'PROBE_AGENT_JOB_FAILED', r.reason);
      }
    }
    counters.reported += ok;
    return jobs.length;
  }

  const pause = (ms: number): Promise<void> =>
    new Promise((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });

  return {
    counters,
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          let n = 0;
          try {
            n = await runOnce();
          } catch (e) {
            counters.failed++;
            reporter?.error('probe-agent', 'PROBE_AGENT_LEASE_FAILED', e);
          }
          if (running && n === 0) await pause(config.pollMs);
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
