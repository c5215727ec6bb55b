/**
 * A measurement is one probe run: `sent` packets (or connection attempts) towards `target`,
 * through `provider`, answered with the round-trip times in `rtts` (one per reply, in send
 * order). Lost packets are the difference `sent - rtts.length`. One run is the unit of
 * availability (did anything come back?); each packet is a sample for latency and loss.
 */
import { canonicalIP, canonicalPrefix } from '../lib/index.ts';
import { qualityErrors } from './errors.ts';

export const PROBE_METHODS = ['icmp', 'tcp', 'udp', 'atlas', 'csv', 'claim'] as const;
export type ProbeMethod = (typeof PROBE_METHODS)[number];

export interface Measurement {
  /** The member (provider) the packets went through. */
  provider: string;
  /** Canonical CIDR of the destination the target stands for. */
  destination: string;
  /** The probed address (or host name for TCP). */
  target: string;
  method: ProbeMethod;
  /** When the run started (epoch ms). */
  at: number;
  sent: number;
  /** Round-trip times in ms of the replies, in send order. */
  rtts: number[];
  /** Who measured: `exchange`, `agent:<id>`, `ripe-atlas:<probe id>`, `csv:<name>`, `member:<id>`. */
  source: string;
  /** True for the exchange, its agents and accepted third parties; false for a member's own claim. */
  verified: boolean;
  /** AS-path length observed by the measurer, when it knows it. */
  asHops?: number;
}

const MAX_SENT = 100_000;
const MAX_RTT_MS = 600_000;

/** Checks a measurement and returns it with canonical destination/target; throws QUALITY_BAD_MEASUREMENT. */
export function validateMeasurement(m: Measurement, field = ''): Measurement {
  const f = (n: string): string => (field ? `${field}.${n}` : n);
  const bad = (n: string, msg: string): never => {
    throw qualityErrors.make('QUALITY_BAD_MEASUREMENT', `${f(n)}: ${msg}`, { field: f(n) });
  };
  if (typeof m.provider !== 'string' || m.provider.length === 0 || m.provider.length > 128) bad('provider', 'must be a member id of 1..128 characters');
  const dest = typeof m.destination === 'string' ? canonicalDestination(m.destination) : undefined;
  if (!dest) bad('destination', 'must be a CIDR prefix with host bits zero, or any4/any6');
  if (typeof m.target !== 'string' || m.target.length === 0 || m.target.length > 255) bad('target', 'must be an address or host name of 1..255 characters');
  if (!PROBE_METHODS.includes(m.method)) bad('method', `must be one of ${PROBE_METHODS.join(', ')}`);
  if (!Number.isFinite(m.at) || m.at < 0) bad('at', 'must be a time');
  if (!Number.isInteger(m.sent) || m.sent < 1 || m.sent > MAX_SENT) bad('sent', `must be an integer 1..${MAX_SENT}`);
  if (!Array.isArray(m.rtts) || m.rtts.length > m.sent) bad('rtts', 'must be a list of at most `sent` round-trip times');
  m.rtts.forEach((r, i) => {
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > MAX_RTT_MS) bad(`rtts[${i}]`, `must be a number of ms in 0..${MAX_RTT_MS}`);
  });
  if (typeof m.source !== 'string' || m.source.length === 0 || m.source.length > 200) bad('source', 'must name who measured');
  if (typeof m.verified !== 'boolean') bad('verified', 'must be true or false');
  if (m.asHops !== undefined && (!Number.isInteger(m.asHops) || m.asHops < 0 || m.asHops > 255)) bad('asHops', 'must be an integer 0..255');
  const target = canonicalTarget(m.target);
  return { ...m, destination: dest as string, target };
}

// Every probe run names its destination and target; the same few thousand strings come back
// all the time, so their canonical forms are remembered (bounded).
const canonCache = new Map<string, string | undefined>();
const targetCache = new Map<string, string>();

function canonicalTarget(s: string): string {
  let c = targetCache.get(s);
  if (c === undefined) {
    c = canonicalIP(s) ?? s;
    if (targetCache.size >= 100_000) targetCache.clear();
    targetCache.set(s, c);
  }
  return c;
}

/** `any4` → `0.0.0.0/0`, `any6` → `::/0`, CIDR → canonical CIDR; undefined when invalid. */
export function canonicalDestination(s: string): string | undefined {
  if (s === 'any4' || s === 'any') return '0.0.0.0/0';
  if (s === 'any6') return '::/0';
  if (canonCache.has(s)) return canonCache.get(s);
  const c = canonicalPrefix(s);
  if (canonCache.size >= 100_000) canonCache.clear();
  canonCache.set(s, c);
  return c;
}

/** The host route covering one address (`/32` or `/128`), for third-party results naming only a target. */
export function hostPrefix(address: string): string | undefined {
  const ip = canonicalIP(address);
  if (!ip) return undefined;
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}
