// Real-daemon harness for BGP interop tests and benchmarks: BIRD 2, GoBGP, FRR bgpd and ExaBGP, each
// started on its own loopback address (127.0.1.2–.30) and port (11790–11899), queried through its
// own CLI/JSON, stopped by PID (SIGTERM, then SIGKILL) and always cleaned up at process exit.
// `RawPeer` is a hand-written BGP peer independent of src/bgp, used for fixtures and bad OPENs.
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
