/**
 * Config sections `metering` (traffic levels) and `flow` (the collector). The defaults are the
 * schema (see docs/extending.md §5); ranges are checked by `checkMeteringConfig`/`parseListen`.
 */
import { meteringErrors } from './errors.ts';

export const meteringConfigDefaults = {
  /** Bin length in seconds: 300 (5 min) by default, down to 10. */
  binSeconds: 300,
  /** A bin is written once it ended this long ago (flows arrive after their active timeout). */
  flushDelaySeconds: 60,
  /** How often open bins are checked for flushing. */
  flushIntervalSeconds: 10,
  /** 'l3' counts IP bytes for every protocol (sFlow normalised); 'exported' keeps sFlow's layer 2 + FCS. */
  byteLayer: 'l3',
  /** Destination prefixes kept per port and bin. */
  topDestinations: 50,
  v4PrefixLength: 24,
  v6PrefixLength: 48,
  /** Flows longer than this are treated as lasting this long, ending at their end time. */
  maxFlowSeconds: 3600,
  /** Most points in one traffic series answer. */
  maxPoints: 10_000,
  /** Open bins are written to the checkpoint file this often (0 = never): a crash loses at most this much. */
  checkpointSeconds: 5,
  /** Checkpoint file; '' = next to the SQLite database (`bandex.sqlite.metering-open.json`), none on PostgreSQL. */
  checkpointFile: '',
  /** Threaded collector: the decode worker hands its bin deltas to the main thread this often (ms). */
  workerFlushMs: 250,
};
export type MeteringConfig = typeof meteringConfigDefaults;

export const flowConfigDefaults = {
  /** Comma-separated HOST:PORT list of UDP listeners; '' = collector off. */
  listen: '',
  /** Socket receive buffer per listener, bytes. */
  recvBufferSize: 8 * 1024 * 1024,
  templateTimeoutSeconds: 1800,
  /** Sampling interval per exporter when the exporter announces none: 'ADDR=N[,ADDR=N]'. */
  sampling: '',
  /** 1: receive (native recvmmsg when built) and decode + aggregate in a worker thread; 0: all on the main thread. */
  decodeThreads: 1,
  /** 'auto': native receive path when the addon loads, else node:dgram; 'native' | 'dgram' to insist. */
  receive: 'auto',
  /** Native path: a receive that emptied the sockets with a small batch waits this long (µs) and takes what came meanwhile; 0 = off. */
  receiveCoalesceMicros: 1000,
};
export type FlowConfig = typeof flowConfigDefaults;

export function checkMeteringConfig(c: MeteringConfig): void {
  const bad = (field: string, rule: string) => meteringErrors.make('METERING_BAD_CONFIG', `metering.${field} ${rule}`, { field: `metering.${field}` });
  if (!Number.isInteger(c.binSeconds) || c.binSeconds < 10 || c.binSeconds > 86_400) throw bad('binSeconds', 'must be an integer from 10 to 86400');
  if (86_400 % c.binSeconds !== 0) throw bad('binSeconds', 'must divide a day evenly');
  if (c.byteLayer !== 'l3' && c.byteLayer !== 'exported') throw bad('byteLayer', "must be 'l3' or 'exported'");
  if (c.flushDelaySeconds < 0 || c.flushIntervalSeconds <= 0) throw bad('flushDelaySeconds', 'and flushIntervalSeconds must be positive');
  if (!(c.checkpointSeconds >= 0)) throw bad('checkpointSeconds', 'must be 0 (off) or positive');
  if (!(c.workerFlushMs >= 10 && c.workerFlushMs <= 60_000)) throw bad('workerFlushMs', 'must be 10..60000');
  if (c.v4PrefixLength < 8 || c.v4PrefixLength > 32) throw bad('v4PrefixLength', 'must be 8..32');
  if (c.v6PrefixLength < 16 || c.v6PrefixLength > 128) throw bad('v6PrefixLength', 'must be 16..128');
}

export function checkFlowConfig(c: FlowConfig): void {
  const bad = (field: string, rule: string) => meteringErrors.make('METERING_BAD_CONFIG', `flow.${field} ${rule}`, { field: `flow.${field}` });
  if (c.decodeThreads !== 0 && c.decodeThreads !== 1) throw bad('decodeThreads', 'must be 0 (decode on the main thread) or 1 (a decode worker)');
  if (c.receive !== 'auto' && c.receive !== 'native' && c.receive !== 'dgram') throw bad('receive', "must be 'auto', 'native' or 'dgram'");
  if (!Number.isInteger(c.recvBufferSize) || c.recvBufferSize < 1) throw bad('recvBufferSize', 'must be a positive whole number of bytes');
  if (!Number.isInteger(c.receiveCoalesceMicros) || c.receiveCoalesceMicros < 0 || c.receiveCoalesceMicros > 100_000) {
    throw bad('receiveCoalesceMicros', 'must be a whole number of microseconds from 0 (off) to 100000');
  }
}

/** Parses flow.sampling 'ADDR=N[,ADDR=N]'. */
export function parseSampling(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!text.trim()) return out;
  for (const part of text.split(',')) {
    const m = /^\s*([0-9a-fA-F:.]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m || Number(m[2]) < 1) {
      throw meteringErrors.make('METERING_BAD_CONFIG', `flow.sampling entry '${part}' is not ADDR=N with N >= 1`, { field: 'flow.sampling' });
    }
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Parses 'HOST:PORT[,HOST:PORT]' ('[v6]:port' for IPv6). */
export function parseListen(text: string): Array<{ host: string; port: number }> {
  if (!text.trim()) return [];
  return text.split(',').map((part, i) => {
    const m = /^\s*(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(part);
    const port = m ? Number(m[3]) : -1;
    if (!m || port > 65535) {
      throw meteringErrors.make('METERING_BAD_CONFIG', `flow.listen entry ${i + 1} '${part}' is not HOST:PORT`, { field: 'flow.listen' });
    }
    return { host: m[1] ?? m[2], port };
  });
}
