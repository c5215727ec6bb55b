/**
 * Runs one scheduled probe job with the prober its method names and returns the measurement to
 * file. The job (not the prober) says which provider and destination the result belongs to.
 */
import type { Measurement } from '../measurement.ts';
import type { ProbeJob } from '../scheduler.ts';
import { icmpProbe } from './icmp-prober.ts';
import { tcpConnectProbe } from './tcp-prober.ts';
import { udpProbe } from './udp-prober.ts';

export interface RunProbeOptions {
  intervalMs?: number;
  timeoutMs?: number;
  /** Overrides the job's source address (an agent binds its own). */
  sourceAddress?: string;
  /** Prefix for the ICMP command (`ip netns exec …`). */
  icmpWrap?: string[];
  now?: () => number;
}

export async function runProbeJob(job: ProbeJob, source: string, o: RunProbeOptions = {}): Promise<Measurement> {
  const src = o.sourceAddress ?? job.sourceAddress;
  const base = {
    target: job.target,
    count: job.count,
    intervalMs: o.intervalMs ?? 100,
    timeoutMs: o.timeoutMs ?? 1000,
    ...(src ? { sourceAddress: src } : {}),
  };
  const now = o.now ?? Date.now;
  const run =
    job.method === 'icmp'
      ? await icmpProbe({ ...base, ...(o.icmpWrap ? { wrap: o.icmpWrap } : {}) }, now)
      : job.method === 'tcp'
        ? await tcpConnectProbe({ ...base, port: job.port! }, now)
        : await udpProbe({ ...base, port: job.port! }, now);
  return {
    provider: job.provider,
    destination: job.destination,
    target: job.target,
    method: job.method,
    at: run.at,
    sent: run.sent,
    rtts: run.rtts,
    source,
    verified: true,
  };
}
