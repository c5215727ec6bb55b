// Real-daemon harness for BGP interop tests and benchmarks: BIRD 2, GoBGP, FRR bgpd and ExaBGP, each
// started on its own loopback address (127.0.1.2–.30) and port (11790–11899), queried through its
// own CLI/JSON, stopped by PID (SIGTERM, then SIGKILL) and always cleaned up at process exit.
// `RawPeer` is a hand-written BGP peer independent of src/bgp, used for fixtures and bad OPENs.
//
// Usage (every daemon kind has the same BgpDaemon interface, see types.ts):
//   const d = createDaemon('bird', { address: '127.0.1.2', port: 11790, asn: 65002,
//     neighbors: [{ address: '127.0.1.1', port: 11800, asn: 65001 }],   // who it peers with
//     routes: [{ prefix: '10.0.0.0/24', communities: [[65002, 1]] }] }); // what it announces
//   await d.start(); await d.waitEstablished('127.0.1.1');
//   await d.receivedRoutes('127.0.1.1', 'ipv4');   // normalised ObservedRoute[]
//   await d.announce([...]); await d.withdraw(['10.0.0.0/24']); d.pause(); d.resume();
//   await d.stop();                                 // in afterAll; the exit hook covers crashes
// Pitfalls handled inside (INTEROP.md): documentation-range next hops (127/8 is a martian for all
// three routers), BIRD multihop + recursive next-hop helpers, FRR RFC 8212 / no zebra, GoBGP API
// bound to the daemon's own address, ExaBGP API through a forwarding process.
// Daemon quirks the tests work around (details in test/bgp/fixtures/README.md and the test files):
// ExaBGP 4.2.21 resets on ROUTE-REFRESH once enhanced RR is negotiated; FRR 8.4 ignores
// ROUTE-REFRESH until it sent End-of-RIB, which it sends only to peers advertising graceful
// restart; GoBGP's soft reset in sends no ROUTE-REFRESH and it logs no NOTIFICATION codes.
export * from './types.ts';
export * from './proc.ts';
export * from './raw-peer.ts';
export { BirdDaemon, birdConfig, birdProtoName, parseBirdRoutes } from './bird.ts';
export type { BirdOptions } from './bird.ts';
export { GobgpDaemon, gobgpConfig, parseGobgpRib } from './gobgp.ts';
export type { GobgpOptions } from './gobgp.ts';
export { FrrDaemon, parseFrrRoutes } from './frr.ts';
export { ExabgpDaemon } from './exabgp.ts';
export { fixtureRoutes, FIXTURE_WITHDRAW } from './fixture-routes.ts';
import { BirdDaemon } from './bird.ts';
import { GobgpDaemon } from './gobgp.ts';
import { FrrDaemon } from './frr.ts';
import { ExabgpDaemon } from './exabgp.ts';
import type { BgpDaemon, DaemonKind, DaemonOptions } from './types.ts';

export const DAEMON_KINDS: DaemonKind[] = ['bird', 'gobgp', 'frr', 'exabgp'];

export function createDaemon(kind: DaemonKind, opts: DaemonOptions): BgpDaemon {
  switch (kind) {
    case 'bird':
      return new BirdDaemon(opts);
    case 'gobgp':
      return new GobgpDaemon(opts);
    case 'frr':
      return new FrrDaemon(opts);
    case 'exabgp':
      return new ExabgpDaemon(opts);
  }
}
