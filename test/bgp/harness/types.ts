// The daemon-neutral model the launchers share: what a daemon is told (neighbors, routes) and what it
// reports back (session state, routes it learned), normalised so one test body can run against each.

export type Family = 'ipv4' | 'ipv6';
export type DaemonKind = 'bird' | 'gobgp' | 'frr' | 'exabgp';

export interface NeighborSpec {
  /** Neighbor address (our speaker: 127.0.1.1). */
  address: string;
  /** TCP port the neighbor listens on (the daemon dials it there). */
  port: number;
  asn: number;
  /** The daemon does not dial; it waits for the neighbor to connect. */
  passive?: boolean;
  holdTime?: number;
  families?: Family[];
  /** Advertise the 4-octet ASN capability (default true; not every daemon can turn it off). */
  fourOctetAsn?: boolean;
  /** Add-path (RFC 7911) direction the daemon advertises. */
  addPath?: 'send' | 'receive' | 'both';
  maxPrefix?: { limit: number; action: 'warn' | 'teardown' | 'restart'; restartAfterSec?: number };
  /** Configured but administratively down until enableNeighbor() (BIRD: `disabled yes`). */
  disabled?: boolean;
}

export interface DaemonRoute {
  prefix: string;
  /** Defaults to the daemon's documentation-range next hop for the family. */
  nextHop?: string;
  /** AS numbers placed after the daemon's own ASN (which the daemon prepends on eBGP). */
  asPath?: number[];
  /** An AS_SET appended to the path (only where the daemon supports it). */
  asSet?: number[];
  communities?: [number, number][];
  largeCommunities?: [number, number, number][];
  /** Route-target style extended communities `rt ASN:VALUE` (2-octet AS specific, RFC 4360 §3.1). */
  extCommunities?: [number, number][];
  med?: number;
  localPref?: number;
  origin?: 'igp' | 'egp' | 'incomplete';
}

/** A route as the daemon reports it learned from a neighbor. */
export interface ObservedRoute {
  prefix: string;
  nextHop: string;
  asPath: number[];
  communities: [number, number][];
  largeCommunities: [number, number, number][];
  med?: number;
  localPref?: number;
}

export interface DaemonOptions {
  /** Loopback address the daemon binds (127.0.1.2–.30). */
  address: string;
  /** TCP port it listens on (11790–11899). */
  port: number;
  asn: number;
  routerId?: string;
  neighbors: NeighborSpec[];
  routes?: DaemonRoute[];
  /** Next hops put on the daemon's own routes; documentation ranges (INTEROP.md: 127/8 is bogus). */
  nextHop4?: string;
  nextHop6?: string;
  /** GoBGP only: its gRPC API port (default port + 60). */
  apiPort?: number;
}

export interface BgpDaemon {
  readonly kind: DaemonKind;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly dir: string;
  pid(): number | undefined;
  start(): Promise<void>;
  /** SIGTERM, SIGKILL after a grace period; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: the peer "goes silent". */
  pause(): void;
  resume(): void;
  /** Normalised session state: 'established' or the daemon's own word in lower case. */
  neighborState(address: string): Promise<string>;
  waitEstablished(address: string, timeoutMs?: number): Promise<void>;
  /** Routes the daemon learned from the neighbor (post-policy Adj-RIB-In). */
  receivedRoutes(address: string, family: Family): Promise<ObservedRoute[]>;
  announce(routes: DaemonRoute[]): Promise<void>;
  withdraw(prefixes: string[]): Promise<void>;
  /** Make the daemon send ROUTE-REFRESH to the neighbor (soft reset in). */
  requestRefresh(address: string): Promise<void>;
  /** Administrative shutdown of the session (CEASE 6/2 with a message where supported). */
  shutdownNeighbor(address: string, message?: string): Promise<void>;
  enableNeighbor(address: string): Promise<void>;
  /** Whatever the daemon says about the last error/NOTIFICATION with this neighbor (free text). */
  lastErrorText(address: string): Promise<string>;
  /** Number of routes learned from the neighbor (cheaper than receivedRoutes for bulk checks). */
  receivedCount(address: string, family: Family): Promise<number>;
  log(): string;
}

export const DEFAULT_NH4 = '203.0.113.';
export const DEFAULT_NH6 = '2001:db8::';

/** Documentation next hop derived from the daemon's loopback address (.2 → 203.0.113.2). */
export function defaultNextHops(address: string): { v4: string; v6: string } {
  const last = Number(address.split('.').pop());
  return { v4: `${DEFAULT_NH4}${last}`, v6: `${DEFAULT_NH6}${last.toString(16)}` };
}

export const familyOf = (prefix: string): Family => (prefix.includes(':') ? 'ipv6' : 'ipv4');

/** 32-bit community value (RFC 1997) to the ASN:VALUE pair the daemons print. */
export const communityPair = (c: number): [number, number] => [Math.floor(c / 65536), c % 65536];
export const communityValue = ([a, v]: [number, number]): number => a * 65536 + v;
