// Captures the raw messages real daemons send, for byte-exact codec round-trip fixtures.
// Run: npx tsx test/bgp/harness/capture-fixtures.ts [bird|gobgp|frr|exabgp ...]
// Each daemon dials a RawPeer (hand-written OPEN, no src/bgp code involved) on 127.0.1.1, announces
// fixtureRoutes(), then: we send ROUTE-REFRESH for both families, the daemon withdraws some routes,
// the daemon sends ROUTE-REFRESH, and finally shuts the session down administratively (CEASE).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRawPeer, routeRefresh } from './raw-peer.ts';
import type { RawOpenOptions, RawMessage } from './raw-peer.ts';
import { createDaemon } from './index.ts';
import { fixtureRoutes, FIXTURE_WITHDRAW } from './fixture-routes.ts';
import type { DaemonKind } from './types.ts';
import { sleep } from './proc.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const US = '127.0.1.1';
const OUR_ASN = 65001;

interface Scenario {
  n: number;
  what: string;
  open: Partial<RawOpenOptions>;
  addPath?: 'send';
}

const SCENARIOS: Scenario[] = [
  { n: 1, what: 'full capabilities (4-octet ASN, MP v4+v6, RR, enhanced RR, GR, extended messages)', open: { enhancedRouteRefresh: true, gracefulRestart: true, extendedMessages: true } },
  { n: 2, what: '2-octet-only peer (no 4-octet ASN capability): AS_TRANS + AS4_PATH', open: { fourOctetAsn: false } },
  { n: 3, what: 'add-path: we offer send/receive, the daemon sends path identifiers', open: { addPath: true, enhancedRouteRefresh: true }, addPath: 'send' },
];

const DAEMONS: Record<DaemonKind, { address: string; port: number; asn: number; rawPort: number }> = {
  bird: { address: '127.0.1.2', port: 11790, asn: 65002, rawPort: 11850 },
  gobgp: { address: '127.0.1.3', port: 11791, asn: 4200000003, rawPort: 11851 },
  frr: { address: '127.0.1.5', port: 11792, asn: 65005, rawPort: 11852 },
  exabgp: { address: '127.0.1.4', port: 11793, asn: 4200000004, rawPort: 11853 },
};

async function captureOne(kind: DaemonKind, sc: Scenario): Promise<RawMessage[]> {
  const d = DAEMONS[kind];
  const raw = await startRawPeer({
    listen: { host: US, port: d.rawPort },
    // ExaBGP 4.2.21 resets the session on a ROUTE-REFRESH when enhanced route refresh was negotiated
    // (TypeError: 'RouteRefresh' object is not iterable), so we do not offer it to ExaBGP.
    open: { asn: OUR_ASN, routerId: US, holdTime: 90, ...sc.open, ...(kind === 'exabgp' ? { enhancedRouteRefresh: false } : {}) },
  });
  const daemon = createDaemon(kind, {
    address: d.address,
    port: d.port,
    asn: d.asn,
    neighbors: [{ address: US, port: d.rawPort, asn: OUR_ASN, addPath: sc.addPath, fourOctetAsn: true }],
    routes: fixtureRoutes(d.asn),
  });
  try {
    await daemon.start();
    await raw.waitFor((m) => m.name === 'open', 30_000);
    await sleep(1500);
    await raw.waitQuiet(2500, 30_000);
    raw.send(routeRefresh(1));
    raw.send(routeRefresh(2));
    await sleep(1000);
    await raw.waitQuiet(2000);
    await daemon.withdraw(FIXTURE_WITHDRAW);
    await sleep(1000);
    await raw.waitQuiet(2000);
    await daemon.requestRefresh(US);
    await sleep(1000);
    await raw.waitQuiet(1500);
    await daemon.shutdownNeighbor(US, 'bandex fixture capture: administrative shutdown');
    await Promise.race([raw.waitFor((m) => m.name === 'notification', 10_000).catch(() => undefined), raw.closed]);
    await sleep(300);
  } finally {
    await daemon.stop();
    await raw.close();
  }
  return raw.messages;
}

async function main(): Promise<void> {
  const kinds = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(DAEMONS)) as DaemonKind[];
  mkdirSync(FIXTURES, { recursive: true });
  for (const kind of kinds) {
    for (const sc of SCENARIOS) {
      if (kind === 'exabgp' && sc.addPath) continue;
      const msgs = await captureOne(kind, sc);
      const byType = new Map<string, string[]>();
      for (const m of msgs) byType.set(m.name, [...(byType.get(m.name) ?? []), m.hex]);
      for (const [name, hexes] of byType) {
        // Deduplicate keepalives (all identical); keep everything else in arrival order.
        const lines = name === 'keepalive' ? [hexes[0]] : hexes;
        writeFileSync(join(FIXTURES, `${kind}-${sc.n}-${name}.hex`), lines.join('\n') + '\n');
      }
      console.log(`${kind} scenario ${sc.n}: ${[...byType].map(([k, v]) => `${v.length} ${k}`).join(', ')}`);
    }
  }
}

await main();
