// The harness checked against itself: BIRD peers with GoBGP, FRR and ExaBGP (no bandex code
// involved), each side announces routes, and each daemon's normalised view of what it learned must
// match what the other announced. If this fails, the interop tests' daemon-side checks are wrong.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { BirdDaemon, GobgpDaemon, FrrDaemon, ExabgpDaemon, waitFor } from '../harness/index.ts';
import type { BgpDaemon, DaemonRoute, Family } from '../harness/index.ts';

const BIRD = { address: '127.0.1.29', port: 11880, asn: 65029 };
const PEERS = [
  { kind: 'gobgp', address: '127.0.1.30', port: 11881, asn: 4200000030 },
  { kind: 'frr', address: '127.0.1.8', port: 11882, asn: 65008 },
  { kind: 'exabgp', address: '127.0.1.15', port: 11883, asn: 4200000015 },
] as const;

const routesFor = (tag: number, base: number): DaemonRoute[] => [
  { prefix: `10.${base}.0.0/24`, asPath: [4200000001], communities: [[65100, tag]], largeCommunities: [[4200000002, tag, 1]] },
  { prefix: `10.${base}.1.0/24`, asPath: [4200000001], communities: [[65100, tag]], largeCommunities: [[4200000002, tag, 1]] },
  { prefix: `2001:db8:${base}::/48`, communities: [[65100, tag]], largeCommunities: [[4200000002, tag, 2]] },
];

describe('harness self-check: BIRD against GoBGP, FRR and ExaBGP', () => {
  let bird: BirdDaemon;
  const others: BgpDaemon[] = [];

  beforeAll(async () => {
    bird = new BirdDaemon({
      ...BIRD,
      neighbors: PEERS.map((p) => ({ address: p.address, port: p.port, asn: p.asn, passive: true })),
      routes: routesFor(29, 29),
    });
    await bird.start();
    for (const [i, p] of PEERS.entries()) {
      const opts = {
        address: p.address,
        port: p.port,
        asn: p.asn,
        neighbors: [{ address: BIRD.address, port: BIRD.port, asn: BIRD.asn }],
        routes: routesFor(100 + i, 100 + i),
      };
      others.push(p.kind === 'gobgp' ? new GobgpDaemon({ ...opts, apiPort: 11884 }) : p.kind === 'frr' ? new FrrDaemon(opts) : new ExabgpDaemon(opts));
    }
    await Promise.all(others.map((d) => d.start()));
  });

  afterAll(async () => {
    await Promise.all([bird?.stop(), ...others.map((d) => d.stop())]);
  });

  it('sessions come up and each side sees the other side\'s routes with communities intact', async () => {
    await Promise.all(others.map((d) => d.waitEstablished(BIRD.address, 30_000)));
    for (const [i, d] of others.entries()) {
      const p = PEERS[i];
      await bird.waitEstablished(p.address);
      for (const fam of ['ipv4', 'ipv6'] as Family[]) {
        const want = routesFor(100 + i, 100 + i).filter((r) => r.prefix.includes(':') === (fam === 'ipv6'));
        const got = await waitFor(`bird sees ${p.kind} ${fam}`, async () => {
          const rs = await bird.receivedRoutes(p.address, fam);
          return rs.length === want.length ? rs : undefined;
        }, 20_000);
        for (const w of want) {
          const g = got.find((r) => r.prefix === w.prefix);
          expect(g, `${p.kind} ${w.prefix}`).toBeDefined();
          expect(g!.asPath).toEqual([p.asn, ...(w.asPath ?? [])]);
          expect(g!.communities).toEqual(w.communities);
          expect(g!.largeCommunities).toEqual(w.largeCommunities);
        }
        const back = routesFor(29, 29).filter((r) => r.prefix.includes(':') === (fam === 'ipv6'));
        const seen = await waitFor(`${p.kind} sees bird ${fam}`, async () => {
          const rs = await d.receivedRoutes(BIRD.address, fam);
          return rs.length === back.length ? rs : undefined;
        }, 20_000);
        for (const w of back) {
          const g = seen.find((r) => r.prefix === w.prefix);
          expect(g, `${p.kind} learned ${w.prefix}`).toBeDefined();
          expect(g!.asPath).toEqual([BIRD.asn, ...(w.asPath ?? [])]);
          expect(g!.communities).toEqual(w.communities);
          expect(g!.largeCommunities).toEqual(w.largeCommunities);
          expect(g!.nextHop).toBe(fam === 'ipv4' ? '203.0.113.29' : '2001:db8::1d');
        }
      }
    }
  }, 90_000);
});
