// ExaBGP launcher. ExaBGP keeps no RIB of its own to query: an API process (a small Python script,
// run by absolute interpreter path as INTEROP.md advises) forwards commands we append to a file and
// writes every JSON event ExaBGP emits (state changes, parsed UPDATEs, NOTIFICATIONs, refreshes) to
// a log we fold into a per-neighbor RIB. ExaBGP can turn the 4-octet ASN capability off
// (`capability { asn4 disable; }`), which makes it our 2-octet-only peer for AS_TRANS tests.
import { writeFileSync, appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, makeTempDir, removeDir, waitFor } from './proc.ts';
import type { Proc } from './proc.ts';
import { defaultNextHops, familyOf } from './types.ts';
import type { BgpDaemon, DaemonOptions, DaemonRoute, Family, ObservedRoute } from './types.ts';

const API_SCRIPT = `import sys, os, time, threading
cmds, recv = sys.argv[1], sys.argv[2]
parent = os.getppid()
def reader():
    with open(recv, 'a') as f:
        for line in sys.stdin:
            f.write(line)
            f.flush()
    os._exit(0)
threading.Thread(target=reader, daemon=True).start()
pos = 0
while True:
    if os.getppid() != parent:
        os._exit(0)
    try:
        with open(cmds, 'rb') as f:
            f.seek(pos)
            data = f.read()
        i = data.rfind(b'\\n')
        if i >= 0:
            sys.stdout.write(data[:i + 1].decode())
            sys.stdout.flush()
            pos += i + 1
    except FileNotFoundError:
        pass
    time.sleep(0.05)
`;

export interface ExabgpEvent {
  type: string;
  neighbor?: {
    address?: { peer?: string };
    state?: string;
    direction?: string;
    message?: {
      update?: {
        attribute?: Record<string, unknown>;
        announce?: Record<string, Record<string, { nlri: string; 'path-information'?: string }[]>>;
        withdraw?: Record<string, { nlri: string }[]>;
      };
      eor?: unknown;
    };
    notification?: { code: number; subcode: number; data?: string; message?: string };
    reason?: string;
  };
}

export class ExabgpDaemon implements BgpDaemon {
  readonly kind = 'exabgp' as const;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly dir: string;
  private proc: Proc | undefined;
  private readonly opts: DaemonOptions;
  private readonly routes = new Map<string, DaemonRoute>();

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.address = opts.address;
    this.port = opts.port;
    this.asn = opts.asn;
    this.dir = makeTempDir('exabgp');
  }
  pid(): number | undefined {
    return this.proc?.pid;
  }
  config(): string {
    const l = [
      'process api {',
      `  run ${process.env.PYTHON ?? '/usr/bin/python3'} ${join(this.dir, 'api.py')} ${join(this.dir, 'cmds')} ${join(this.dir, 'recv.jsonl')};`,
      '  encoder json;',
      '}',
    ];
    for (const n of this.opts.neighbors) {
      const addPath = n.addPath ? ` add-path ${n.addPath === 'both' ? 'send/receive' : n.addPath};` : '';
      l.push(
        `neighbor ${n.address} {`,
        `  router-id ${this.opts.routerId ?? this.address};`,
        `  local-address ${this.address};`,
        `  local-as ${this.asn};`,
        `  peer-as ${n.asn};`,
        `  hold-time ${n.holdTime ?? 90};`,
        `  connect ${n.port};`,
        n.passive ? '  passive true;' : '',
        `  capability { route-refresh; asn4 ${n.fourOctetAsn === false ? 'disable' : 'enable'};${addPath} }`,
        `  family { ${(n.families ?? ['ipv4', 'ipv6']).map((f) => `${f} unicast;`).join(' ')} }`,
        '  api { processes [ api ]; neighbor-changes; receive { parsed; update; notification; refresh; } }',
        '}',
      );
    }
    return l.filter((x) => x !== '').join('\n') + '\n';
  }
  async start(): Promise<void> {
    writeFileSync(join(this.dir, 'api.py'), API_SCRIPT);
    // Initial routes are queued before ExaBGP starts; the API process forwards them at once and
    // ExaBGP sends them when the session comes up.
    for (const r of this.opts.routes ?? []) this.routes.set(r.prefix, r);
    writeFileSync(join(this.dir, 'cmds'), [...this.routes.values()].map((r) => this.routeCommand(r, 'announce') + '\n').join(''));
    writeFileSync(join(this.dir, 'recv.jsonl'), '');
    const conf = join(this.dir, 'exabgp.conf');
    writeFileSync(conf, this.config());
    this.proc = startProcess('exabgp', [conf], {
      logFile: join(this.dir, 'exabgp.log'),
      cwd: this.dir,
      env: {
        exabgp_api_ack: 'false',
        exabgp_api_cli: 'false',
        exabgp_daemon_user: 'root',
        exabgp_daemon_drop: 'false',
        exabgp_tcp_bind: this.address,
        exabgp_tcp_port: String(this.port),
        exabgp_log_destination: 'stdout',
        exabgp_api_respawn: 'false',
        ...(process.env.EXABGP_DEBUG ? { exabgp_log_level: 'DEBUG', exabgp_log_all: 'true' } : {}),
      },
    });
    await waitFor('exabgp configuration', () => {
      if (!this.proc?.isRunning()) throw new Error(`exabgp exited: ${this.log()}`);
      return this.log().includes('loaded new configuration') ? true : undefined;
    }, 15_000, 100);
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
  /** Appends raw API commands (ExaBGP text API). */
  command(...lines: string[]): void {
    appendFileSync(join(this.dir, 'cmds'), lines.map((x) => x + '\n').join(''));
  }
  events(): ExabgpEvent[] {
    const f = join(this.dir, 'recv.jsonl');
    if (!existsSync(f)) return [];
    const out: ExabgpEvent[] = [];
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ExabgpEvent);
      } catch {
        // a line being written right now
      }
    }
    return out;
  }
  async neighborState(address: string): Promise<string> {
    const states = this.events().filter((e) => e.type === 'state' && e.neighbor?.address?.peer === address);
    const s = states.at(-1)?.neighbor?.state ?? 'idle';
    return s === 'up' ? 'established' : s;
  }
  async waitEstablished(address: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`exabgp ${address} up`, async () => ((await this.neighborState(address)) === 'established' ? true : undefined), timeoutMs, 100);
  }
  async receivedRoutes(address: string, family: Family): Promise<ObservedRoute[]> {
    const rib = new Map<string, ObservedRoute>();
    const key = `${family} unicast`;
    for (const e of this.events()) {
      if (e.neighbor?.address?.peer !== address) continue;
      if (e.type === 'state' && e.neighbor.state !== 'up') rib.clear();
      const u = e.type === 'update' ? e.neighbor.message?.update : undefined;
      if (!u) continue;
      for (const w of u.withdraw?.[key] ?? []) rib.delete(w.nlri);
      const a = u.attribute ?? {};
      for (const [nh, nlris] of Object.entries(u.announce?.[key] ?? {})) {
        for (const n of nlris) {
          rib.set(n.nlri, {
            prefix: n.nlri,
            nextHop: nh,
            asPath: ((a['as-path'] as number[] | undefined) ?? []).flat(),
            communities: ((a.community as [number, number][] | undefined) ?? []).map(([x, y]) => [x, y]),
            largeCommunities: ((a['large-community'] as [number, number, number][] | undefined) ?? []).map(([x, y, z]) => [x, y, z]),
            med: a.med as number | undefined,
            localPref: a['local-preference'] as number | undefined,
          });
        }
      }
    }
    return [...rib.values()];
  }
  async receivedCount(address: string, family: Family): Promise<number> {
    return (await this.receivedRoutes(address, family)).length;
  }
  private routeCommand(r: DaemonRoute, verb: 'announce' | 'withdraw'): string {
    const fam = familyOf(r.prefix);
    const d = defaultNextHops(this.address);
    const nh = r.nextHop ?? (fam === 'ipv4' ? this.opts.nextHop4 ?? d.v4 : this.opts.nextHop6 ?? d.v6);
    const parts = [`${verb} route ${r.prefix} next-hop ${nh}`];
    if (verb === 'announce') {
      // ExaBGP sends the path as given: it does not prepend its own ASN, so we do (eBGP, RFC 4271 §5.1.2).
      const path = [this.asn, ...(r.asPath ?? [])].join(' ');
      parts.push(`as-path [ ${path}${r.asSet?.length ? ` ( ${r.asSet.join(' ')} )` : ''} ]`);
      if (r.origin) parts.push(`origin ${r.origin}`);
      if (r.communities?.length) parts.push(`community [ ${r.communities.map(([a, v]) => `${a}:${v}`).join(' ')} ]`);
      if (r.largeCommunities?.length) parts.push(`large-community [ ${r.largeCommunities.map((c) => c.join(':')).join(' ')} ]`);
      if (r.extCommunities?.length) parts.push(`extended-community [ ${r.extCommunities.map(([a, v]) => `target:${a}:${v}`).join(' ')} ]`);
      if (r.med !== undefined) parts.push(`med ${r.med}`);
      if (r.localPref !== undefined) parts.push(`local-preference ${r.localPref}`);
    }
    return parts.join(' ');
  }
  async announce(routes: DaemonRoute[]): Promise<void> {
    for (const r of routes) this.routes.set(r.prefix, r);
    this.command(...routes.map((r) => this.routeCommand(r, 'announce')));
  }
  async withdraw(prefixes: string[]): Promise<void> {
    const rs = prefixes.map((p) => this.routes.get(p) ?? { prefix: p });
    for (const p of prefixes) this.routes.delete(p);
    this.command(...rs.map((r) => this.routeCommand(r, 'withdraw')));
  }
  async requestRefresh(address: string): Promise<void> {
    const n = this.opts.neighbors.find((x) => x.address === address);
    for (const f of n?.families ?? ['ipv4', 'ipv6']) this.command(`neighbor ${address} announce route-refresh ${f} unicast`);
  }
  async shutdownNeighbor(address: string): Promise<void> {
    // CEASE / Administrative Shutdown (RFC 4486 subcode 2); ExaBGP sends no shutdown message text.
    this.command(`neighbor ${address} teardown 2`);
  }
  async enableNeighbor(): Promise<void> {
    // ExaBGP reconnects by itself after a teardown.
  }
  async lastErrorText(address: string): Promise<string> {
    const ev = this.events().filter((e) => e.neighbor?.address?.peer === address && (e.type === 'notification' || e.type === 'state'));
    return ev.map((e) => JSON.stringify(e.neighbor)).join('\n') + '\n' + this.log().split('\n').filter((l) => /notification|error/i.test(l)).join('\n');
  }
  log(): string {
    return this.proc?.log() ?? '';
  }
}
