// BIRD 2 launcher. Routes are static protocols in the generated config (one per family, per-route
// filter blocks set the BGP attributes); announce/withdraw rewrite the config and `birdc configure`.
// INTEROP.md pitfalls handled here: loopback peers need `multihop`; multihop resolves next hops
// recursively, so helper static routes make the documentation ranges reachable via "lo"; `strict
// bind` keeps it off 0.0.0.0; `next hop address` puts documentation next hops on our routes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, makeTempDir, removeDir, run, runOk, waitFor } from './proc.ts';
import type { Proc } from './proc.ts';
import { defaultNextHops, familyOf } from './types.ts';
import type { BgpDaemon, DaemonOptions, DaemonRoute, Family, NeighborSpec, ObservedRoute } from './types.ts';

export interface BirdOptions extends DaemonOptions {
  /** Extra text appended to the config (e.g. a bulk static protocol for the benchmark). */
  extraConfig?: string;
  /** Channel export filter override (default: this daemon's own static routes only). */
  exportFilter?: { ipv4?: string; ipv6?: string };
  /** How long to wait for the control socket (a config with 1M routes takes a while to load). */
  startTimeoutMs?: number;
}

export const birdProtoName = (n: NeighborSpec): string => `p_${n.address.replace(/[.:]/g, '_')}_${n.port}`;

function routeLine(r: DaemonRoute): string {
  const st: string[] = [];
  // bgp_path.prepend builds the path right to left.
  for (const asn of [...(r.asPath ?? [])].reverse()) st.push(`bgp_path.prepend(${asn});`);
  for (const [a, v] of r.communities ?? []) st.push(`bgp_community.add((${a},${v}));`);
  for (const [a, b, c] of r.largeCommunities ?? []) st.push(`bgp_large_community.add((${a},${b},${c}));`);
  for (const [a, v] of r.extCommunities ?? []) st.push(`bgp_ext_community.add((rt,${a},${v}));`);
  if (r.med !== undefined) st.push(`bgp_med = ${r.med};`);
  if (r.localPref !== undefined) st.push(`bgp_local_pref = ${r.localPref};`);
  if (r.origin && r.origin !== 'igp') st.push(`bgp_origin = ${r.origin === 'egp' ? 'ORIGIN_EGP' : 'ORIGIN_INCOMPLETE'};`);
  return `  route ${r.prefix} blackhole${st.length ? ` { ${st.join(' ')} }` : ''};`;
}

export function birdConfig(o: BirdOptions, routes: DaemonRoute[]): string {
  const nh = defaultNextHops(o.address);
  const nh4 = o.nextHop4 ?? nh.v4;
  const nh6 = o.nextHop6 ?? nh.v6;
  const v4 = routes.filter((r) => familyOf(r.prefix) === 'ipv4');
  const v6 = routes.filter((r) => familyOf(r.prefix) === 'ipv6');
  const lines: string[] = [
    `router id ${o.routerId ?? o.address};`,
    'log stderr all;',
    'protocol device {}',
    // Recursive next-hop resolution for multihop sessions (documentation ranges only).
    'protocol static nh4 { ipv4; route 203.0.113.0/24 via "lo"; route 198.51.100.0/24 via "lo"; route 192.0.2.0/24 via "lo"; }',
    'protocol static nh6 { ipv6; route 2001:db8::/32 via "lo"; }',
    'protocol static routes4 {',
    '  ipv4;',
    ...v4.map(routeLine),
    '}',
    'protocol static routes6 {',
    '  ipv6;',
    ...v6.map(routeLine),
    '}',
  ];
  for (const n of o.neighbors) {
    const fams = n.families ?? ['ipv4', 'ipv6'];
    const limit = n.maxPrefix
      ? ` receive limit ${n.maxPrefix.limit} action ${n.maxPrefix.action === 'warn' ? 'warn' : n.maxPrefix.action === 'restart' ? 'restart' : 'disable'};`
      : '';
    const addPath = n.addPath ? ` add paths ${n.addPath === 'send' ? 'tx' : n.addPath === 'receive' ? 'rx' : 'on'};` : '';
    const chan = (fam: Family): string => {
      const exp = o.exportFilter?.[fam] ?? `where proto = "${fam === 'ipv4' ? 'routes4' : 'routes6'}"`;
      const hop = fam === 'ipv4' ? nh4 : nh6;
      return `  ${fam} { import all; export ${exp}; next hop address ${hop};${limit}${addPath} };`;
    };
    lines.push(
      `protocol bgp ${birdProtoName(n)} {`,
      `  local ${o.address} port ${o.port} as ${o.asn}; strict bind yes; multihop;`,
      `  neighbor ${n.address} port ${n.port} as ${n.asn};`,
      n.passive ? '  passive on;' : '',
      n.disabled ? '  disabled yes;' : '',
      n.holdTime !== undefined ? `  hold time ${n.holdTime}; keepalive time ${Math.max(1, Math.floor(n.holdTime / 3))};` : '',
      n.fourOctetAsn === false ? '  enable as4 no;' : '',
      '  connect retry time 2; error wait time 1, 5; connect delay time 1;',
      ...fams.map(chan),
      '}',
    );
  }
  if (o.extraConfig) lines.push(o.extraConfig);
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

/** Parses `birdc show route ... all` output into normalised routes. */
export function parseBirdRoutes(text: string): ObservedRoute[] {
  const out: ObservedRoute[] = [];
  let cur: ObservedRoute | undefined;
  let prefix = '';
  for (const raw of text.split('\n')) {
    const m = /^(\S+\/\d+)\s+\S+\s+\[/.exec(raw);
    const cont = /^\s+(unicast|unreachable|blackhole)\s+\[/.exec(raw);
    if (m || cont) {
      if (m) prefix = m[1];
      cur = { prefix, nextHop: '', asPath: [], communities: [], largeCommunities: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const a = /^\s+BGP\.(\w+):\s*(.*)$/.exec(raw);
    if (!a) continue;
    const [, key, val] = a;
    if (key === 'as_path') cur.asPath = val.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
    else if (key === 'next_hop') cur.nextHop = val.trim().split(/\s+/)[0];
    else if (key === 'med') cur.med = Number(val);
    else if (key === 'local_pref') cur.localPref = Number(val);
    else if (key === 'community')
      cur.communities = [...val.matchAll(/\((\d+),\s*(\d+)\)/g)].map((x) => [Number(x[1]), Number(x[2])]);
    else if (key === 'large_community')
      cur.largeCommunities = [...val.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((x) => [Number(x[1]), Number(x[2]), Number(x[3])]);
  }
  return out;
}

export class BirdDaemon implements BgpDaemon {
  readonly kind = 'bird' as const;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly dir: string;
  private proc: Proc | undefined;
  private routes = new Map<string, DaemonRoute>();
  private readonly opts: BirdOptions;

  constructor(opts: BirdOptions) {
    this.opts = opts;
    this.address = opts.address;
    this.port = opts.port;
    this.asn = opts.asn;
    this.dir = makeTempDir('bird');
    for (const r of opts.routes ?? []) this.routes.set(r.prefix, r);
  }

  get socket(): string {
    return join(this.dir, 'bird.ctl');
  }
  pid(): number | undefined {
    return this.proc?.pid;
  }
  private writeConfig(): void {
    writeFileSync(join(this.dir, 'bird.conf'), birdConfig(this.opts, [...this.routes.values()]));
  }
  async start(): Promise<void> {
    this.writeConfig();
    this.proc = startProcess('bird', ['-f', '-c', join(this.dir, 'bird.conf'), '-s', this.socket, '-P', join(this.dir, 'bird.pid')], {
      logFile: join(this.dir, 'bird.log'),
    });
    await waitFor('birdc socket', async () => ((await run('birdc', ['-s', this.socket, 'show status'], 3000)).code === 0 ? true : undefined), this.opts.startTimeoutMs ?? 15_000, 100);
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
  birdc(...args: string[]): Promise<string> {
    return runOk('birdc', ['-s', this.socket, ...args], 60_000);
  }
  private nb(address: string): NeighborSpec {
    const n = this.opts.neighbors.find((x) => x.address === address);
    if (!n) throw new Error(`bird: no neighbor ${address}`);
    return n;
  }
  async protocolInfo(address: string): Promise<string> {
    return this.birdc('show', 'protocols', 'all', birdProtoName(this.nb(address)));
  }
  async neighborState(address: string): Promise<string> {
    const t = await this.protocolInfo(address);
    const m = /BGP state:\s+(\S+)/.exec(t);
    return (m?.[1] ?? 'unknown').toLowerCase();
  }
  async waitEstablished(address: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`bird ${address} Established`, async () => ((await this.neighborState(address)) === 'established' ? true : undefined), timeoutMs, 200);
  }
  async receivedRoutes(address: string, family: Family): Promise<ObservedRoute[]> {
    const table = family === 'ipv4' ? 'master4' : 'master6';
    const t = await this.birdc('show', 'route', 'table', table, 'protocol', birdProtoName(this.nb(address)), 'all');
    return parseBirdRoutes(t);
  }
  async receivedCount(address: string, family: Family): Promise<number> {
    const table = family === 'ipv4' ? 'master4' : 'master6';
    const t = await this.birdc('show', 'route', 'table', table, 'protocol', birdProtoName(this.nb(address)), 'count');
    const m = /(\d+) of \d+ routes/.exec(t);
    return m ? Number(m[1]) : 0;
  }
  async announce(routes: DaemonRoute[]): Promise<void> {
    for (const r of routes) this.routes.set(r.prefix, r);
    await this.reconfigure();
  }
  async withdraw(prefixes: string[]): Promise<void> {
    for (const p of prefixes) this.routes.delete(p);
    await this.reconfigure();
  }
  private async reconfigure(): Promise<void> {
    this.writeConfig();
    const out = await this.birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`bird configure: ${out}`);
  }
  async requestRefresh(address: string): Promise<void> {
    await this.birdc('reload', 'in', birdProtoName(this.nb(address)));
  }
  async shutdownNeighbor(address: string, message?: string): Promise<void> {
    await this.birdc('disable', birdProtoName(this.nb(address)), ...(message ? [`"${message}"`] : []));
  }
  async enableNeighbor(address: string): Promise<void> {
    await this.birdc('enable', birdProtoName(this.nb(address)));
  }
  async lastErrorText(address: string): Promise<string> {
    return this.protocolInfo(address);
  }
  log(): string {
    return this.proc?.log() ?? '';
  }
}
