/** Peer configuration with defaults, checked once so that bad input changes nothing. */
import { BgpError } from './errors.ts';
import { familyOfAddress, formatIPv6, parseIPv6, type Family } from './ip.ts';

export interface PeerConfig {
  address: string;
  /** Port to dial (default 179). */
  port?: number;
  asn: number;
  localAddress?: string;
  /** Only accept connections, never dial. */
  passive?: boolean;
  holdTime?: number;
  connectRetrySec?: number;
  /** First IdleHold delay after an error; doubles per consecutive failure up to 120 s (default 1). */
  idleHoldSec?: number;
  families?: Family[];
  /** Default true; false = behave as an old 2-octet-only speaker (RFC 6793 OLD). */
  fourOctetAsn?: boolean;
  maxPrefix?: { limit: number; action: 'warn' | 'teardown' | 'restart'; restartAfterSec?: number };
  /**
   * Advertise graceful restart and act as helper for a restarting peer (RFC 4724). Note: FRR 8.4
   * sends End-of-RIB only to GR-capable peers and ignores ROUTE-REFRESH until it has sent it, so
   * `refresh()` towards FRR needs this on.
   */
  gracefulRestart?: boolean;
  addPath?: 'receive' | 'send' | 'both';
  extendedMessages?: boolean;
  /** Advertise enhanced route refresh (RFC 7313, default true); false for peers that mishandle it. */
  enhancedRouteRefresh?: boolean;
  /** RFC 7947 transparency towards this peer, whatever the speaker's mode. */
  routeServerClient?: boolean;
  description?: string;
}

export type ResolvedPeerConfig = Required<Omit<PeerConfig, 'localAddress' | 'maxPrefix' | 'addPath' | 'description'>> &
  Pick<PeerConfig, 'localAddress' | 'maxPrefix' | 'addPath' | 'description'>;

function fail(field: string, rule: string): never {
  throw new BgpError('BGP_INVALID_CONFIG', `${field}: ${rule}`, field);
}

export function checkAsn(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) fail(field, 'must be an integer ASN from 1 to 4294967295');
  return v;
}

function checkSeconds(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(field, `must be a number of seconds from ${min} to ${max}`);
  return v;
}

export function checkHoldTime(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535 || v === 1 || v === 2) fail(field, 'must be 0 or an integer from 3 to 65535 (RFC 4271 §4.2)');
  return v;
}

export function resolvePeerConfig(p: PeerConfig, defaultHold: number): ResolvedPeerConfig {
  if (!p || typeof p.address !== 'string' || !familyOfAddress(p.address)) fail('address', 'must be an IPv4 or IPv6 address');
  const families = p.families ?? ['ipv4', 'ipv6'];
  if (!Array.isArray(families) || families.length === 0 || families.some((f) => f !== 'ipv4' && f !== 'ipv6')) fail('families', "must list 'ipv4' and/or 'ipv6'");
  if (p.localAddress !== undefined && !familyOfAddress(p.localAddress)) fail('localAddress', 'must be an IPv4 or IPv6 address');
  if (p.maxPrefix !== undefined) {
    const m = p.maxPrefix;
    if (!Number.isInteger(m.limit) || m.limit < 1) fail('maxPrefix.limit', 'must be a positive integer');
    if (!['warn', 'teardown', 'restart'].includes(m.action)) fail('maxPrefix.action', "must be 'warn', 'teardown' or 'restart'");
    if (m.restartAfterSec !== undefined) checkSeconds(m.restartAfterSec, 'maxPrefix.restartAfterSec', 1, 86400);
  }
  if (p.addPath !== undefined && !['receive', 'send', 'both'].includes(p.addPath)) fail('addPath', "must be 'receive', 'send' or 'both'");
  const out: ResolvedPeerConfig = {
    address: canonicalAddress(p.address),
    port: p.port ?? 179,
    asn: checkAsn(p.asn, 'asn'),
    passive: p.passive ?? false,
    holdTime: checkHoldTime(p.holdTime ?? defaultHold, 'holdTime'),
    connectRetrySec: checkSeconds(p.connectRetrySec ?? 10, 'connectRetrySec', 1, 3600),
    idleHoldSec: checkSeconds(p.idleHoldSec ?? 1, 'idleHoldSec', 0.1, 3600),
    families: [...families],
    fourOctetAsn: p.fourOctetAsn ?? true,
    gracefulRestart: p.gracefulRestart ?? false,
    extendedMessages: p.extendedMessages ?? false,
    enhancedRouteRefresh: p.enhancedRouteRefresh ?? true,
    routeServerClient: p.routeServerClient ?? false,
  };
  if (!Number.isInteger(out.port) || out.port < 1 || out.port > 65535) fail('port', 'must be a TCP port from 1 to 65535');
  if (p.localAddress !== undefined) out.localAddress = p.localAddress;
  if (p.maxPrefix !== undefined) out.maxPrefix = { ...p.maxPrefix };
  if (p.addPath !== undefined) out.addPath = p.addPath;
  if (p.description !== undefined) out.description = p.description;
  return out;
}

/** IPv6 addresses in RFC 5952 form, so that configured and socket addresses compare equal. */
export function canonicalAddress(a: string): string {
  if (!a.includes(':')) return a;
  const b = parseIPv6(a);
  return b ? formatIPv6(b) : a;
}
