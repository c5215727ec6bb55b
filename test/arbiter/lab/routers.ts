// Member routers inside lab namespaces: BIRD configured with the neighbor snippet bandex itself
// generates (`bandex port config`), FRR bgpd likewise, and ExaBGP as a "rogue" router that sends
// exactly the attributes it is given (it never prepends its own AS), for the rejection cases.
// Processes are started and stopped by PID through the BGP harness's process plumbing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir, run, runOk, startProcess, waitFor, type Proc } from '../../bgp/harness/proc.ts';
import { parseBirdRoutes } from '../../bgp/harness/bird.ts';
import { parseFrrRoutes } from '../../bgp/harness/frr.ts';
import type { ObservedRoute } from '../../bgp/harness/types.ts';
import { birdNeighborConfig, frrNeighborConfig, type NeighborConfigInput } from '../../../src/arbiter/router-config.ts';
import type { LabRouter } from './netns.ts';

export interface OwnRoute {
  prefix: string;
  /** Extra ASNs after the router's own (BIRD prepends its own on eBGP). */
  path?: number[];
  communities?: Array<[number, number]>;
}

export interface Router {
  readonly router: LabRouter;
  stop(): Promise<void>;
  /** Routes this router received from the route server session of the family. */
  received(family: 4 | 6): Promise<ObservedRoute[]>;
  established(family: 4 | 6): Promise<boolean>;
  log(): string;
}

function birdStatic(name: string, fam: 'ipv4' | 'ipv6', routes: OwnRoute[]): string {
  const lines = routes.map((r) => {
    const st: string[] = [];
    for (const a of [...(r.path ?? [])].reverse()) st.push(`bgp_path.prepend(${a});`);
    for (const [a, v] of r.communities ?? []) st.push(`bgp_community.add((${a},${v}));`);
    return `  route ${r.prefix} blackhole${st.length ? ` { ${st.join(' ')} }` : ''};`;
  });
  return [`protocol static ${name} {`, `  ${fam};`, ...lines, '}'].join('\n');
}

export interface BirdRouterOptions {
  asn: number;
  rsAsn: number;
  rs4: string;
  rs6: string;
  rsPort: number;
  routes: OwnRoute[];
  /** Registered prefixes the generated export filter lets out (default: the routes' prefixes). */
  exportPrefixes?: string[];
  /** Appended to the generated configuration (the benchmark's direct reference sessions). */
  extraConfig?: string;
}

export async function startBirdRouter(r: LabRouter, o: BirdRouterOptions): Promise<Router & { socket: string; birdc(...a: string[]): Promise<string> }> {
  const dir = makeTempDir('bxa-bird');
  const v4 = o.routes.filter((x) => !x.prefix.includes(':'));
  const v6 = o.routes.filter((x) => x.prefix.includes(':'));
  const exp = o.exportPrefixes ?? o.routes.map((x) => x.prefix);
  const base: Omit<NeighborConfigInput, 'routerAddress' | 'rsAddress' | 'prefixes'> = { memberAsn: o.asn, rsAsn: o.rsAsn, rsPort: o.rsPort, name: 'lab' };
  const conf = [
    `router id ${r.v4};`,
    'log stderr all;',
    'protocol device {}',
    birdStatic('own4', 'ipv4', v4),
    birdStatic('own6', 'ipv6', v6),
    birdNeighborConfig({ ...base, routerAddress: r.v4, rsAddress: o.rs4, prefixes: exp.filter((p) => !p.includes(':')) }),
    birdNeighborConfig({ ...base, routerAddress: r.v6, rsAddress: o.rs6, prefixes: exp.filter((p) => p.includes(':')) }),
    o.extraConfig ?? '',
  ].join('\n');
  const file = join(dir, 'bird.conf');
  writeFileSync(file, conf.replace(/connect delay time \d+;/g, '') + '\n');
  const sock = join(dir, 'bird.ctl');
  const proc = startProcess('ip', ['netns', 'exec', r.ns, 'bird', '-f', '-c', file, '-s', sock, '-P', join(dir, 'bird.pid')], {
    logFile: join(dir, 'bird.log'),
  });
  const birdc = (...a: string[]) => runOk('birdc', ['-s', sock, ...a], 30_000);
  await waitFor('birdc socket', async () => ((await run('birdc', ['-s', sock, 'show status'], 3000)).code === 0 ? true : undefined), 15_000, 100);
  const proto = (f: 4 | 6) => `bandex_rs_v${f}_lab`;
  return {
    router: r,
    socket: sock,
    birdc,
    async stop() {
      await proc.stop(5000);
      removeDir(dir);
    },
    async received(f) {
      return parseBirdRoutes(await birdc('show', 'route', 'table', f === 4 ? 'master4' : 'master6', 'protocol', proto(f), 'all'));
    },
    async established(f) {
      return /BGP state:\s+Established/.test(await birdc('show', 'protocols', 'all', proto(f)));
    },
    log: () => proc.log(),
  };
}

export async function startFrrRouter(r: LabRouter, o: BirdRouterOptions): Promise<Router> {
  const dir = makeTempDir('bxa-frr');
  const exp = o.exportPrefixes ?? o.routes.map((x) => x.prefix);
  const base = { memberAsn: o.asn, rsAsn: o.rsAsn, rsPort: o.rsPort, name: 'lab' };
  const snippet4 = frrNeighborConfig({ ...base, routerAddress: r.v4, rsAddress: o.rs4, prefixes: exp.filter((p) => !p.includes(':')) });
  const snippet6 = frrNeighborConfig({ ...base, routerAddress: r.v6, rsAddress: o.rs6, prefixes: exp.filter((p) => p.includes(':')) });
  // bgpd alone (no zebra): networks need no import check; the lab's next hops are on the LAN.
  const own = (f: 4 | 6) =>
    o.routes
      .filter((x) => x.prefix.includes(':') === (f === 6))
      .map((x) => `  network ${x.prefix}`)
      .join('\n');
  const conf = [
    'frr defaults traditional',
    'hostname bxa-frr',
    'log stdout informational',
    snippet4,
    snippet6,
    `router bgp ${o.asn}`,
    ` bgp router-id ${r.v4}`,
    ' no bgp network import-check',
    ` neighbor ${o.rs4} timers connect 2`,
    ` neighbor ${o.rs6} timers connect 2`,
    ' address-family ipv4 unicast',
    own(4),
    ' exit-address-family',
    ' address-family ipv6 unicast',
    own(6),
    ' exit-address-family',
    'exit',
  ]
    .filter((l) => l !== '')
    .join('\n');
  writeFileSync(join(dir, 'bgpd.conf'), conf + '\n');
  const proc = startProcess(
    'ip',
    ['netns', 'exec', r.ns, '/usr/lib/frr/bgpd', '-f', join(dir, 'bgpd.conf'), '-i', join(dir, 'bgpd.pid'), '-Z', '-S', '-n', '-p', '0', '--vty_socket', dir, '-P', '0'],
    { logFile: join(dir, 'bgpd.log') },
  );
  const vtysh = (cmd: string) => runOk('vtysh', ['--vty_socket', dir, '-d', 'bgpd', '-c', cmd], 30_000);
  await waitFor('bgpd vty', async () => ((await run('vtysh', ['--vty_socket', dir, '-d', 'bgpd', '-c', 'show version'], 3000)).code === 0 ? true : undefined), 15_000, 200);
  return {
    router: r,
    async stop() {
      await proc.stop(5000);
      removeDir(dir);
    },
    async received(f) {
      // `json detail` carries the communities; keep the paths learned from the route server.
      return parseFrrRoutes(await vtysh(`show bgp ${f === 4 ? 'ipv4' : 'ipv6'} unicast json detail`), f === 4 ? o.rs4 : o.rs6);
    },
    async established(f) {
      const j = JSON.parse(await vtysh(`show bgp neighbors ${f === 4 ? o.rs4 : o.rs6} json`)) as Record<string, { bgpState?: string }>;
      return Object.values(j)[0]?.bgpState === 'Established';
    },
    log: () => proc.log(),
  };
}

export interface ExaRoute {
  prefix: string;
  nextHop: string;
  asPath: number[];
}

/** A router that sends exactly what it is told: next hop and AS path unmodified. */
export async function startExabgpRouter(
  r: LabRouter,
  o: { asn: number; rsAsn: number; rs4: string; rsPort: number; routes: ExaRoute[] },
): Promise<{ stop(): Promise<void>; log(): string; proc: Proc }> {
  const dir = makeTempDir('bxa-exa');
  const conf = [
    `neighbor ${o.rs4} {`,
    `  router-id ${r.v4};`,
    `  local-address ${r.v4};`,
    `  local-as ${o.asn};`,
    `  peer-as ${o.rsAsn};`,
    `  connect ${o.rsPort};`,
    '  family { ipv4 unicast; }',
    '  static {',
    ...o.routes.map((x) => `    route ${x.prefix} next-hop ${x.nextHop} as-path [ ${x.asPath.join(' ')} ];`),
    '  }',
    '}',
  ].join('\n');
  writeFileSync(join(dir, 'exabgp.conf'), conf + '\n');
  const proc = startProcess('ip', ['netns', 'exec', r.ns, 'exabgp', join(dir, 'exabgp.conf')], {
    logFile: join(dir, 'exabgp.log'),
    env: {
      exabgp_api_ack: 'false',
      exabgp_api_cli: 'false',
      exabgp_daemon_user: 'root',
      exabgp_daemon_drop: 'false',
      exabgp_log_destination: 'stdout',
      exabgp_tcp_bind: '',
      exabgp_tcp_port: '0',
    },
  });
  return {
    proc,
    async stop() {
      await proc.stop(5000);
      removeDir(dir);
    },
    log: () => proc.log(),
  };
}
