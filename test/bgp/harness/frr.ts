// FRR bgpd launcher (bgpd alone, no zebra: -Z). Own routes are `network` statements with one
// route-map each setting the attributes; outbound route-maps put documentation next hops on them.
// Pitfalls (INTEROP.md): RFC 8212 is on by default (no bgp ebgp-requires-policy), no zebra means no
// import check, loopback next hops are martians, loopback peers need ebgp-multihop + update-source.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, makeTempDir, removeDir, run, runOk, waitFor } from './proc.ts';
import type { Proc } from './proc.ts';
import { defaultNextHops, familyOf } from './types.ts';
import type { BgpDaemon, DaemonOptions, DaemonRoute, Family, NeighborSpec, ObservedRoute } from './types.ts';

export type FrrOptions = DaemonOptions;

const hasAttrs = (r: DaemonRoute): boolean =>
  !!(r.asPath?.length || r.communities?.length || r.largeCommunities?.length || r.extCommunities?.length || r.med !== undefined || r.localPref !== undefined || r.origin);

export function frrRouteMap(name: string, r: DaemonRoute): string[] {
  const l = [`route-map ${name} permit 10`];
  if (r.asPath?.length) l.push(` set as-path prepend ${r.asPath.join(' ')}`);
  if (r.communities?.length) l.push(` set community ${r.communities.map(([a, v]) => `${a}:${v}`).join(' ')}`);
  if (r.largeCommunities?.length) l.push(` set large-community ${r.largeCommunities.map((c) => c.join(':')).join(' ')}`);
  if (r.extCommunities?.length) l.push(` set extcommunity rt ${r.extCommunities.map(([a, v]) => `${a}:${v}`).join(' ')}`);
  if (r.med !== undefined) l.push(` set metric ${r.med}`);
  if (r.localPref !== undefined) l.push(` set local-preference ${r.localPref}`);
  if (r.origin) l.push(` set origin ${r.origin}`);
  return l;
}

function neighborLines(n: NeighborSpec, local: string): string[] {
  const a = n.address;
  const l = [
    ` neighbor ${a} remote-as ${n.asn}`,
    ` neighbor ${a} port ${n.port}`,
    ` neighbor ${a} update-source ${local}`,
    ` neighbor ${a} ebgp-multihop 2`,
    ` neighbor ${a} timers ${Math.max(1, Math.floor((n.holdTime ?? 90) / 3))} ${n.holdTime ?? 90}`,
    ` neighbor ${a} timers connect 2`,
    ` neighbor ${a} advertisement-interval 0`,
  ];
  if (n.passive) l.push(` neighbor ${a} passive`);
  return l;
}

export class FrrDaemon implements BgpDaemon {
  readonly kind = 'frr' as const;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly dir: string;
  private proc: Proc | undefined;
  private readonly opts: FrrOptions;
  private readonly routes = new Map<string, DaemonRoute>();
  private rmSeq = 0;

  constructor(opts: FrrOptions) {
    this.opts = opts;
    this.address = opts.address;
    this.port = opts.port;
    this.asn = opts.asn;
    this.dir = makeTempDir('frr');
    for (const r of opts.routes ?? []) this.routes.set(r.prefix, r);
  }
  pid(): number | undefined {
    return this.proc?.pid;
  }
  private nh(): { v4: string; v6: string } {
    const d = defaultNextHops(this.address);
    return { v4: this.opts.nextHop4 ?? d.v4, v6: this.opts.nextHop6 ?? d.v6 };
  }
  config(): string {
    const nh = this.nh();
    const l: string[] = ['frr defaults traditional', 'hostname bandex-frr', 'log stdout debugging', '!'];
    if (process.env.FRR_DEBUG) l.push('debug bgp updates', 'debug bgp neighbor-events', '!');
    const nets: Record<Family, string[]> = { ipv4: [], ipv6: [] };
    for (const r of this.routes.values()) {
      if (!hasAttrs(r)) {
        nets[familyOf(r.prefix)].push(`  network ${r.prefix}`);
        continue;
      }
      const name = `RT${++this.rmSeq}`;
      l.push(...frrRouteMap(name, r), '!');
      nets[familyOf(r.prefix)].push(`  network ${r.prefix} route-map ${name}`);
    }
    l.push('route-map NH4 permit 10', ` set ip next-hop ${nh.v4}`, '!');
    l.push('route-map NH6 permit 10', ` set ipv6 next-hop global ${nh.v6}`, '!');
    l.push(
      `router bgp ${this.asn}`,
      ` bgp router-id ${this.opts.routerId ?? this.address}`,
      ' no bgp ebgp-requires-policy',
      ' no bgp network import-check',
      ' no bgp default ipv4-unicast',
      ' bgp allow-martian-nexthop',
    );
    for (const n of this.opts.neighbors) l.push(...neighborLines(n, this.address));
    for (const fam of ['ipv4', 'ipv6'] as const) {
      l.push(` address-family ${fam} unicast`, ...nets[fam]);
      for (const n of this.opts.neighbors) {
        if (!(n.families ?? ['ipv4', 'ipv6']).includes(fam)) continue;
        l.push(`  neighbor ${n.address} activate`, `  neighbor ${n.address} route-map ${fam === 'ipv4' ? 'NH4' : 'NH6'} out`);
        if (n.addPath === 'send' || n.addPath === 'both') l.push(`  neighbor ${n.address} addpath-tx-all-paths`);
        if (n.maxPrefix) {
          const act = n.maxPrefix.action === 'warn' ? ' warning-only' : n.maxPrefix.action === 'restart' ? ` restart ${Math.max(1, Math.ceil((n.maxPrefix.restartAfterSec ?? 60) / 60))}` : '';
          l.push(`  neighbor ${n.address} maximum-prefix ${n.maxPrefix.limit}${act}`);
        }
      }
      l.push(' exit-address-family');
    }
    l.push('!');
    return l.join('\n') + '\n';
  }
  vtysh(...cmds: string[]): Promise<string> {
    return runOk('vtysh', ['--vty_socket', this.dir, '-d', 'bgpd', ...cmds.flatMap((c) => ['-c', c])], 120_000);
  }
  async start(): Promise<void> {
    const conf = join(this.dir, 'bgpd.conf');
    writeFileSync(conf, this.config());
    this.proc = startProcess(
      '/usr/lib/frr/bgpd',
      ['-f', conf, '-i', join(this.dir, 'bgpd.pid'), '-Z', '-S', '-n', '-l', this.address, '-p', String(this.port), '--vty_socket', this.dir, '-P', '0'],
      { logFile: join(this.dir, 'bgpd.log') },
    );
    await waitFor('bgpd vty', async () => ((await run('vtysh', ['--vty_socket', this.dir, '-d', 'bgpd', '-c', 'show bgp summary json'], 3000)).code === 0 ? true : undefined), 15_000, 100);
  }
  async stop(): Promise<void> {
    await this.proc?.stop(5000);
    removeDir(this.dir);
  }
  pause(): void {
    this.proc?.pause();
  }
  resume(): void {
    this.proc?.resume();
  }
  async neighborInfo(address: string): Promise<Record<string, unknown>> {
    const j = JSON.parse(await this.vtysh(`show bgp neighbors ${address} json`)) as Record<string, Record<string, unknown>>;
    return j[address] ?? {};
  }
  async neighborState(address: string): Promise<string> {
    return String((await this.neighborInfo(address)).bgpState ?? 'unknown').toLowerCase();
  }
  async waitEstablished(address: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`frr ${address} Established`, async () => ((await this.neighborState(address)) === 'established' ? true : undefined), timeoutMs, 200);
  }
  async receivedRoutes(address: string, family: Family): Promise<ObservedRoute[]> {
    // The whole table with `json detail` (communities included), filtered to paths from this peer.
    const t = await this.vtysh(`show bgp ${family} unicast json detail`);
    return parseFrrRoutes(t, address);
  }
  async receivedCount(address: string, family: Family): Promise<number> {
    const j = JSON.parse(await this.vtysh(`show bgp ${family} unicast summary json`)) as { peers?: Record<string, { pfxRcd?: number }> };
    return j.peers?.[address]?.pfxRcd ?? 0;
  }
  /** Applies config lines from a file (`vtysh -f`): ~10k lines/s, unlike thousands of `-c` arguments. */
  private async configure(lines: string[]): Promise<void> {
    const file = join(this.dir, `change-${++this.rmSeq}.conf`);
    writeFileSync(file, lines.join('\n') + '\n');
    await runOk('vtysh', ['--vty_socket', this.dir, '-d', 'bgpd', '-f', file], 120_000);
  }
  async announce(routes: DaemonRoute[]): Promise<void> {
    // One route-map per distinct attribute set, not per route.
    const maps = new Map<string, string>();
    const head: string[] = [];
    const nets: Record<Family, string[]> = { ipv4: [], ipv6: [] };
    for (const r of routes) {
      this.routes.set(r.prefix, r);
      if (!hasAttrs(r)) {
        nets[familyOf(r.prefix)].push(`  network ${r.prefix}`);
        continue;
      }
      const key = JSON.stringify({ ...r, prefix: undefined, nextHop: undefined });
      let name = maps.get(key);
      if (!name) {
        name = `RT${++this.rmSeq}`;
        maps.set(key, name);
        head.push(...frrRouteMap(name, r), 'exit');
      }
      nets[familyOf(r.prefix)].push(`  network ${r.prefix} route-map ${name}`);
    }
    const body = [`router bgp ${this.asn}`];
    for (const f of ['ipv4', 'ipv6'] as const) if (nets[f].length) body.push(` address-family ${f} unicast`, ...nets[f], ' exit-address-family');
    await this.configure([...head, ...body]);
  }
  async withdraw(prefixes: string[]): Promise<void> {
    const nets: Record<Family, string[]> = { ipv4: [], ipv6: [] };
    for (const p of prefixes) {
      this.routes.delete(p);
      nets[familyOf(p)].push(`  no network ${p}`);
    }
    const body = [`router bgp ${this.asn}`];
    for (const f of ['ipv4', 'ipv6'] as const) if (nets[f].length) body.push(` address-family ${f} unicast`, ...nets[f], ' exit-address-family');
    await this.configure(body);
  }
  async requestRefresh(address: string): Promise<void> {
    // No soft-reconfiguration inbound is configured, so this sends ROUTE-REFRESH (RFC 2918).
    await this.vtysh(`clear bgp ipv4 unicast ${address} soft in`, `clear bgp ipv6 unicast ${address} soft in`);
  }
  async shutdownNeighbor(address: string, message?: string): Promise<void> {
    await this.vtysh('configure terminal', `router bgp ${this.asn}`, `neighbor ${address} shutdown${message ? ` message ${message}` : ''}`);
  }
  async enableNeighbor(address: string): Promise<void> {
    await this.vtysh('configure terminal', `router bgp ${this.asn}`, `no neighbor ${address} shutdown`);
  }
  async lastErrorText(address: string): Promise<string> {
    const i = await this.neighborInfo(address);
    const keys = Object.keys(i).filter((k) => /last|reset|notif|error/i.test(k));
    return JSON.stringify(Object.fromEntries(keys.map((k) => [k, i[k]])));
  }
  log(): string {
    return this.proc?.log() ?? '';
  }
}

interface FrrPath {
  aspath?: { string?: string; segments?: { type: string; list: number[] }[] };
  community?: { string?: string; list?: string[] };
  largeCommunity?: { string?: string; list?: string[] };
  med?: number;
  metric?: number;
  locPrf?: number;
  localpref?: number;
  nexthops?: { ip?: string; scope?: string }[];
  peer?: { peerId?: string };
  peerId?: string;
  path?: string;
}

/** FRR prints well-known communities (RFC 1997, 7999, 8326, 7611) by name. */
const WELL_KNOWN: Record<string, string> = {
  'graceful-shutdown': '65535:0',
  'accept-own': '65535:1',
  'llgr-stale': '65535:6',
  'no-llgr': '65535:7',
  blackhole: '65535:666',
  noExport: '65535:65281',
  'no-export': '65535:65281',
  noAdvertise: '65535:65282',
  'no-advertise': '65535:65282',
  localAs: '65535:65283',
  'local-AS': '65535:65283',
  noPeer: '65535:65284',
  'no-peer': '65535:65284',
};

export function parseFrrRoutes(text: string, fromPeer?: string): ObservedRoute[] {
  const j = JSON.parse(text) as { routes?: Record<string, FrrPath[] | { paths?: FrrPath[] }> };
  const out: ObservedRoute[] = [];
  for (const [prefix, v] of Object.entries(j.routes ?? {})) {
    const paths = Array.isArray(v) ? v : (v.paths ?? []);
    for (const p of paths) {
      // `json detail` puts a header object (prefix, advertisedTo) before the paths; skip it.
      if (!p.nexthops && !p.aspath && !p.peer) continue;
      if (fromPeer !== undefined && (p.peer?.peerId ?? p.peerId) !== fromPeer) continue;
      const asStr = p.aspath?.string ?? p.path ?? '';
      const pair = (s: string): [number, number] => s.split(':').map(Number) as [number, number];
      out.push({
        prefix,
        nextHop: p.nexthops?.find((n) => n.scope !== 'link-local')?.ip ?? p.nexthops?.[0]?.ip ?? '',
        asPath: asStr.split(/[\s{},]+/).filter((x) => /^\d+$/.test(x)).map(Number),
        communities: (p.community?.string ?? '')
          .split(/\s+/)
          .map((x) => WELL_KNOWN[x] ?? x)
          .filter((x) => /^\d+:\d+$/.test(x))
          .map(pair),
        largeCommunities: (p.largeCommunity?.string ?? '')
          .split(/\s+/)
          .filter((x) => /^\d+:\d+:\d+$/.test(x))
          .map((s) => s.split(':').map(Number) as [number, number, number]),
        med: p.med ?? p.metric,
        localPref: p.locPrf ?? p.localpref,
      });
    }
  }
  return out;
}
