// GoBGP launcher: TOML config, routes injected with the gobgp CLI over its gRPC API (bound to the
// daemon's own loopback address and a port from our range — without --api-hosts it would take
// 0.0.0.0:50051), queries with `gobgp -j`. GoBGP cannot turn the 4-octet ASN capability off.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, makeTempDir, removeDir, run, runOk, waitFor } from './proc.ts';
import type { Proc } from './proc.ts';
import { communityPair, defaultNextHops, familyOf } from './types.ts';
import type { BgpDaemon, DaemonOptions, DaemonRoute, Family, ObservedRoute } from './types.ts';

export interface GobgpOptions extends DaemonOptions {
  /** gRPC API port (default port + 60). */
  apiPort?: number;
}

export function gobgpConfig(o: GobgpOptions): string {
  const l: string[] = [
    '[global.config]',
    `  as = ${o.asn}`,
    `  router-id = "${o.routerId ?? o.address}"`,
    `  port = ${o.port}`,
    `  local-address-list = ["${o.address}"]`,
  ];
  for (const n of o.neighbors) {
    l.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.asn}`,
      '  [neighbors.transport.config]',
      `    local-address = "${o.address}"`,
      `    remote-port = ${n.port}`,
      `    passive-mode = ${n.passive ? 'true' : 'false'}`,
      '  [neighbors.timers.config]',
      `    hold-time = ${n.holdTime ?? 90}`,
      `    keepalive-interval = ${Math.max(1, Math.floor((n.holdTime ?? 90) / 3))}`,
      '    connect-retry = 2',
      '    idle-hold-time-after-reset = 1',
      '  [neighbors.ebgp-multihop.config]',
      '    enabled = true',
      '    multihop-ttl = 2',
    );
    for (const fam of n.families ?? ['ipv4', 'ipv6']) {
      l.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${fam}-unicast"`);
      if (n.addPath) {
        l.push('    [neighbors.afi-safis.add-paths.config]');
        if (n.addPath !== 'receive') l.push('      send-max = 8');
        if (n.addPath !== 'send') l.push('      receive = true');
      }
      if (n.maxPrefix) l.push('    [neighbors.afi-safis.prefix-limit.config]', `      max-prefixes = ${n.maxPrefix.limit}`);
    }
  }
  return l.join('\n') + '\n';
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: { segment_type: number; asns: number[] }[];
  nexthop?: string;
  metric?: number;
  local_pref?: number;
  communities?: number[];
  mp_reach?: unknown;
  nexthops?: string[];
}

export function parseGobgpRib(json: string): ObservedRoute[] {
  const out: ObservedRoute[] = [];
  const t = json.trim();
  if (!t || t === 'null') return out;
  const data = JSON.parse(t) as Record<string, { nlri: { prefix: string }; attrs: GobgpAttr[] }[]>;
  for (const [prefix, paths] of Object.entries(data)) {
    for (const p of paths) {
      const r: ObservedRoute = { prefix: p.nlri?.prefix ?? prefix, nextHop: '', asPath: [], communities: [], largeCommunities: [] };
      for (const a of p.attrs ?? []) {
        if (a.type === 2) r.asPath = (a.as_paths ?? []).flatMap((s) => s.asns);
        else if (a.type === 3) r.nextHop = a.nexthop ?? '';
        else if (a.type === 14) r.nextHop = a.nexthop ?? (a.nexthops ?? [])[0] ?? r.nextHop;
        else if (a.type === 4) r.med = a.metric;
        else if (a.type === 5) r.localPref = a.value as number;
        else if (a.type === 8) r.communities = (a.communities ?? []).map(communityPair);
        else if (a.type === 32)
          r.largeCommunities = ((a.value ?? []) as { ASN: number; LocalData1: number; LocalData2: number }[]).map((x) => [x.ASN, x.LocalData1, x.LocalData2]);
      }
      out.push(r);
    }
  }
  return out;
}

const STATES: Record<number, string> = { 0: 'unknown', 1: 'idle', 2: 'connect', 3: 'active', 4: 'opensent', 5: 'openconfirm', 6: 'established' };

export class GobgpDaemon implements BgpDaemon {
  readonly kind = 'gobgp' as const;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly dir: string;
  readonly apiPort: number;
  private proc: Proc | undefined;
  private readonly opts: GobgpOptions;

  constructor(opts: GobgpOptions) {
    this.opts = opts;
    this.address = opts.address;
    this.port = opts.port;
    this.asn = opts.asn;
    this.apiPort = opts.apiPort ?? opts.port + 60;
    this.dir = makeTempDir('gobgp');
  }
  pid(): number | undefined {
    return this.proc?.pid;
  }
  gobgp(...args: string[]): Promise<string> {
    return runOk('gobgp', ['-u', this.address, '-p', String(this.apiPort), ...args], 60_000);
  }
  async start(): Promise<void> {
    const conf = join(this.dir, 'gobgpd.toml');
    writeFileSync(conf, gobgpConfig(this.opts));
    this.proc = startProcess('gobgpd', ['-f', conf, '-p', '--api-hosts', `${this.address}:${this.apiPort}`, '--pprof-disable', ...(process.env.GOBGP_LOG ? ['-l', process.env.GOBGP_LOG] : [])], {
      logFile: join(this.dir, 'gobgpd.log'),
    });
    await waitFor('gobgp api', async () => ((await run('gobgp', ['-u', this.address, '-p', String(this.apiPort), 'global'], 3000)).code === 0 ? true : undefined), 15_000, 100);
    if (this.opts.routes?.length) await this.announce(this.opts.routes);
  }
  async stop(): Promise<void> {
    await this.proc?.stop(10_000); // ~8 s with 1M routes (INTEROP.md)
    removeDir(this.dir);
  }
  pause(): void {
    this.proc?.pause();
  }
  resume(): void {
    this.proc?.resume();
  }
  async neighborState(address: string): Promise<string> {
    const j = JSON.parse(await this.gobgp('neighbor', address, '-j')) as { state?: { session_state?: number | string } };
    const s = j.state?.session_state;
    return typeof s === 'number' ? (STATES[s] ?? String(s)) : String(s ?? 'unknown').toLowerCase();
  }
  async neighborInfo(address: string): Promise<Record<string, unknown>> {
    return JSON.parse(await this.gobgp('neighbor', address, '-j')) as Record<string, unknown>;
  }
  async waitEstablished(address: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`gobgp ${address} established`, async () => ((await this.neighborState(address)) === 'established' ? true : undefined), timeoutMs, 200);
  }
  async receivedRoutes(address: string, family: Family): Promise<ObservedRoute[]> {
    const r = await run('gobgp', ['-u', this.address, '-p', String(this.apiPort), 'neighbor', address, 'adj-in', '-a', family, '-j'], 60_000);
    if (r.code !== 0) throw new Error(`gobgp adj-in: ${r.stdout} ${r.stderr}`);
    return parseGobgpRib(r.stdout);
  }
  async receivedCount(address: string, family: Family): Promise<number> {
    // The neighbor's per-family counters; far cheaper than dumping the Adj-RIB-In as JSON.
    const j = (await this.neighborInfo(address)) as { afi_safis?: { state?: { family?: { afi?: number }; received?: number } }[] };
    const afi = family === 'ipv4' ? 1 : 2;
    const s = j.afi_safis?.find((x) => x.state?.family?.afi === afi)?.state;
    return s?.received ?? 0;
  }
  private routeArgs(r: DaemonRoute): string[] {
    const fam = familyOf(r.prefix);
    const nh = defaultNextHops(this.address);
    const a = ['global', 'rib', 'add', '-a', fam, r.prefix, 'nexthop', r.nextHop ?? (fam === 'ipv4' ? this.opts.nextHop4 ?? nh.v4 : this.opts.nextHop6 ?? nh.v6)];
    const path = [...(r.asPath ?? []).map(String), ...(r.asSet?.length ? [`{${r.asSet.join(',')}}`] : [])];
    if (path.length) a.push('aspath', path.join(' '));
    if (r.communities?.length) a.push('community', r.communities.map(([x, y]) => `${x}:${y}`).join(','));
    if (r.largeCommunities?.length) a.push('large-community', r.largeCommunities.map((c) => c.join(':')).join(','));
    if (r.extCommunities?.length) a.push('rt', r.extCommunities.map(([x, y]) => `${x}:${y}`).join(','));
    if (r.med !== undefined) a.push('med', String(r.med));
    if (r.localPref !== undefined) a.push('local-pref', String(r.localPref));
    if (r.origin) a.push('origin', r.origin);
    return a;
  }
  async announce(routes: DaemonRoute[]): Promise<void> {
    // ~10 ms per CLI call; run a few at a time.
    const queue = [...routes];
    const worker = async (): Promise<void> => {
      for (let r = queue.shift(); r; r = queue.shift()) await this.gobgp(...this.routeArgs(r));
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }
  async withdraw(prefixes: string[]): Promise<void> {
    for (const p of prefixes) await this.gobgp('global', 'rib', 'del', '-a', familyOf(p), p);
  }
  async requestRefresh(address: string): Promise<void> {
    for (const fam of ['ipv4', 'ipv6']) await this.gobgp('neighbor', address, 'softresetin', '-a', fam);
  }
  async shutdownNeighbor(address: string, message?: string): Promise<void> {
    await this.gobgp('neighbor', address, 'disable', ...(message ? ['--reason', message] : []));
  }
  async enableNeighbor(address: string): Promise<void> {
    await this.gobgp('neighbor', address, 'enable');
  }
  async lastErrorText(address: string): Promise<string> {
    // GoBGP logs no NOTIFICATION codes; its neighbor counters say how many it received.
    const st = ((await this.neighborInfo(address)) as { state?: { messages?: unknown } }).state;
    const lines = this.log().split('\n').filter((l) => l.includes(address) && /reason|notification|error/i.test(l));
    return `${JSON.stringify(st?.messages ?? {})}\n${lines.join('\n')}`;
  }
  log(): string {
    return this.proc?.log() ?? '';
  }
}
