// One interop test body, run against each real daemon (bird.test.ts, gobgp.test.ts, frr.test.ts,
// exabgp.test.ts). Per file: one bandex speaker on 127.0.1.1 and up to six daemon instances, each in
// one role (its own loopback address and port), all started in parallel in beforeAll and reused:
//   A  the daemon dials us; routes both ways, withdrawals, route refresh, a 10k bulk load
//   B  we dial the (passive) daemon
//   C  short hold time, then SIGSTOP: the hold timer must tear the session down
//   D  we expect the wrong ASN: its OPEN gets NOTIFICATION 2/2 Bad Peer AS
//   E  announces more prefixes than our max-prefix limit (warn, teardown, restart)
//   F  a 2-octet-only session (RFC 6793): 4-octet ASNs carried as AS_TRANS + AS4_PATH. BIRD and
//      ExaBGP can drop the 4-octet capability themselves (we are the NEW side and reconcile).
//      GoBGP and FRR cannot, so we play the OLD speaker (fourOctetAsn: false) in the middle of a
//      chain F → bandex → G: F sends AS_TRANS + AS4_PATH to us, we keep AS4_PATH opaque (optional
//      transitive, Partial bit) and pass it on with our 2-octet AS_PATH, and G (NEW) must rebuild
//      the 4-octet path — the way real 4-octet ASNs cross old routers.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createSpeaker } from '../../../src/bgp/index.ts';
import type { PeerConfig, Speaker } from '../../../src/bgp/index.ts';
import { createDaemon, sleep, waitFor } from '../harness/index.ts';
import type { BgpDaemon, DaemonKind, DaemonRoute, Family, NeighborSpec } from '../harness/index.ts';
import { EventRecorder, MetricsRecorder, toSpeakerRoute, flatPath, waitCount, byPrefix, sortedPairs, sortedLarge, bulkPrefixes } from './speaker-helpers.ts';
import type { SpeakerRoute } from './speaker-helpers.ts';

export interface SuiteOptions {
  kind: DaemonKind;
  /** Index 0..3: picks this file's addresses and ports so files can run in parallel. */
  slot: number;
  /** The daemon can be made to send ROUTE-REFRESH (GoBGP's soft reset in does not). */
  daemonSendsRefresh: boolean;
  /** Who goes without the 4-octet ASN capability on session F. */
  twoOctetSide: 'daemon' | 'speaker';
  /** Routes the daemon announces in the bulk test (the CI size). */
  bulkFromDaemon: number;
  /** Extra PeerConfig fields for every peer of this daemon. */
  peerExtra?: Record<string, unknown>;
  /** Regular expressions the daemon's last-error text must match after we sent 2/2 and 6/1. */
  badPeerAsText: RegExp;
  maxPrefixText: RegExp;
}

const US = '127.0.1.1';
const OUR_ASN = 65001;
const OUR_NH = { v4: '198.51.100.1', v6: '2001:db8:ff::1' };
type Role = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';
const ROLES: Role[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/** Routes a daemon announces to us: both families, communities, large communities, 4-octet ASNs. */
export function daemonRoutes(slot: number): DaemonRoute[] {
  const t = 1000 + slot;
  return [
    { prefix: `10.${slot}.1.0/24`, asPath: [4200000001, 64512], communities: [[65100, t], [65535, 666]], largeCommunities: [[4200000002, t, 1]], med: 10 },
    { prefix: `10.${slot}.2.0/24`, asPath: [4200000001, 64512], communities: [[65100, t], [65535, 666]], largeCommunities: [[4200000002, t, 1]], med: 10 },
    { prefix: `10.${slot}.3.128/25`, asPath: [4200000007], communities: [[65100, t + 1]], largeCommunities: [[4200000002, t, 2], [65001, 1, 1]] },
    { prefix: `2001:db8:${(slot * 16 + 1).toString(16)}::/48`, asPath: [4200000001], communities: [[65100, t]], largeCommunities: [[4200000002, t, 6]] },
    { prefix: `2001:db8:${(slot * 16 + 2).toString(16)}::/56`, communities: [[65100, t + 2]], largeCommunities: [[4200000002, t, 7]] },
  ];
}

/** Routes we announce to the daemon. */
export function ourRoutes(slot: number): SpeakerRoute[] {
  const t = 2000 + slot;
  const rs: DaemonRoute[] = [
    { prefix: `172.20.${slot}.0/24`, asPath: [4200000011], communities: [[65001, t], [65001, 7]], largeCommunities: [[65001, t, 1], [4200000011, 2, 3]] },
    { prefix: `172.20.${16 + slot}.0/24`, asPath: [4200000011], communities: [[65001, t], [65001, 7]], largeCommunities: [[65001, t, 1], [4200000011, 2, 3]] },
    { prefix: `172.21.${slot}.0/25`, communities: [[65001, t + 1]] },
    { prefix: `2001:db8:a${slot}::/48`, asPath: [4200000011], communities: [[65001, t]], largeCommunities: [[65001, t, 6]] },
    { prefix: `2001:db8:b${slot}::/64`, largeCommunities: [[65001, t, 7]] },
  ];
  return rs.map((r) => toSpeakerRoute(r, OUR_NH));
}

const fam = (p: string): Family => (p.includes(':') ? 'ipv6' : 'ipv4');

export function defineInteropSuite(o: SuiteOptions): void {
  const { kind, slot } = o;
  const addr = (r: Role): string => `127.0.1.${2 + slot * 7 + ROLES.indexOf(r)}`;
  const port = (r: Role): number => 11810 + slot * 10 + ROLES.indexOf(r);
  const asn = (r: Role): number => (r === 'F' || r === 'G' ? 65200 + slot * 10 + ROLES.indexOf(r) : 4200000100 + slot * 10 + ROLES.indexOf(r));
  const speakerPort = 11800 + slot;

  describe(`bandex speaker with ${kind}`, () => {
    let speaker: Speaker;
    let ev: EventRecorder;
    const metrics = new MetricsRecorder();
    const daemons = new Map<Role, BgpDaemon>();
    const d = (r: Role): BgpDaemon => daemons.get(r)!;
    const peerCfg = (r: Role, extra: Partial<PeerConfig> = {}): PeerConfig =>
      ({ address: addr(r), asn: asn(r), localAddress: US, connectRetrySec: 1, idleHoldSec: 1, ...o.peerExtra, ...extra }) as PeerConfig;

    const neighbor = (r: Role, extra: Partial<NeighborSpec> = {}): NeighborSpec => ({ address: US, port: speakerPort, asn: OUR_ASN, ...extra });

    beforeAll(async () => {
      speaker = createSpeaker(
        { metrics, log: process.env.BGP_DEBUG ? (lvl: string, msg: string, ctx?: unknown) => console.log(lvl, msg, ctx ?? '') : undefined },
        { asn: OUR_ASN, routerId: US, listen: { host: US, port: speakerPort }, holdTime: 90 },
      );
      ev = new EventRecorder(speaker);
      await speaker.start();
      const mk = (r: Role, n: NeighborSpec, routes: DaemonRoute[] = []): void => {
        daemons.set(r, createDaemon(kind, { address: addr(r), port: port(r), asn: asn(r), neighbors: [n], routes, ...(kind === 'gobgp' ? { apiPort: 11850 + ROLES.indexOf(r) } : {}) }));
      };
      mk('A', neighbor('A'), daemonRoutes(slot));
      mk('B', neighbor('B', { passive: true }));
      mk('C', neighbor('C', { holdTime: 4 }));
      mk('D', neighbor('D'));
      mk('E', neighbor('E', { passive: true }), Array.from({ length: 12 }, (_, i) => ({ prefix: `10.${200 + slot}.${i}.0/24` })));
      mk('F', neighbor('F', { fourOctetAsn: o.twoOctetSide === 'daemon' ? false : true }), [
        { prefix: `10.${210 + slot}.0.0/24`, asPath: [4200000001, 64512, 4200000002], communities: [[65100, 5]] },
      ]);
      if (o.twoOctetSide === 'speaker') mk('G', neighbor('G'));
      await Promise.all([...daemons.values()].map((x) => x.start()));
      speaker.addPeer(peerCfg('A', { passive: true }));
      speaker.addPeer(peerCfg('B', { port: port('B') }));
      speaker.addPeer(peerCfg('C', { passive: true, holdTime: 4 }));
      speaker.addPeer(peerCfg('D', { passive: true, asn: asn('D') + 1 }));
      speaker.addPeer(peerCfg('E', { port: port('E'), maxPrefix: { limit: 10, action: 'warn' } }));
      speaker.addPeer(peerCfg('F', { passive: true, ...(o.twoOctetSide === 'speaker' ? { fourOctetAsn: false } : {}) }));
      if (o.twoOctetSide === 'speaker') speaker.addPeer(peerCfg('G', { passive: true, fourOctetAsn: false }));
    });

    afterAll(async () => {
      await speaker?.stop();
      await Promise.all([...daemons.values()].map((x) => x.stop()));
    });

    const established = (r: Role, timeoutMs = 30_000): Promise<unknown> =>
      waitFor(`${kind} ${r} Established on our side`, () => (speaker.peer(addr(r))?.state === 'Established' ? true : undefined), timeoutMs, 100);

    it('comes up when the daemon dials us', async () => {
      await established('A');
      await d('A').waitEstablished(US);
      const st = speaker.peer(addr('A'))!;
      const opened = ev.of('state', addr('A')).find((e) => e.payload.to === 'OpenSent');
      expect(opened?.payload.reason).toMatch(/incoming/);
      expect(st.negotiated?.fourOctetAsn).toBe(true);
      expect([...(st.negotiated?.families ?? [])].sort()).toEqual(['ipv4', 'ipv6']);
    }, 40_000);

    it('comes up when we dial the daemon', async () => {
      await established('B');
      await d('B').waitEstablished(US);
      // the session that came up is the TCP connection we opened (the daemon is passive)
      const opened = ev.of('state', addr('B')).filter((e) => e.payload.to === 'OpenSent');
      expect(opened.at(-1)?.payload.reason).toMatch(/outgoing/);
    }, 40_000);

    it('learns the daemon\'s IPv4 and IPv6 routes with communities and large communities intact', async () => {
      const want = daemonRoutes(slot);
      for (const f of ['ipv4', 'ipv6'] as Family[]) {
        const wf = want.filter((r) => fam(r.prefix) === f);
        const got = byPrefix(await waitCount(`${kind} A ${f} routes in Adj-RIB-In`, () => speaker.adjRibIn(addr('A'), { family: f }) as SpeakerRoute[], wf.length));
        for (const w of wf) {
          const g = got.get(w.prefix);
          expect(g, w.prefix).toBeDefined();
          expect(flatPath(g!)).toEqual([asn('A'), ...(w.asPath ?? [])]);
          expect([...(g!.attrs.communities ?? [])].sort()).toEqual(w.communities!.map(([a, b]) => a * 65536 + b).sort());
          expect(sortedLarge(g!.attrs.largeCommunities ?? [])).toEqual(sortedLarge(w.largeCommunities ?? []));
          expect(g!.attrs.nextHop).toBe(f === 'ipv4' ? `203.0.113.${2 + slot * 7}` : `2001:db8::${(2 + slot * 7).toString(16)}`);
        }
      }
    }, 40_000);

    it('sends our IPv4 and IPv6 routes; the daemon sees them with communities and large communities intact', async () => {
      const routes = ourRoutes(slot);
      speaker.announce(addr('A'), routes as never);
      for (const f of ['ipv4', 'ipv6'] as Family[]) {
        const wf = routes.filter((r) => fam(r.prefix) === f);
        const got = byPrefix(await waitCount(`${kind} learns our ${f} routes`, () => d('A').receivedRoutes(US, f), wf.length));
        for (const w of wf) {
          const g = got.get(w.prefix);
          expect(g, w.prefix).toBeDefined();
          expect(g!.asPath).toEqual([OUR_ASN, ...flatPath(w)]);
          expect(g!.nextHop).toBe(w.attrs.nextHop);
          expect(sortedPairs(g!.communities)).toEqual((w.attrs.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`).sort());
          expect(sortedLarge(g!.largeCommunities)).toEqual(sortedLarge(w.attrs.largeCommunities ?? []));
        }
      }
    }, 40_000);

    it('withdraws both ways', async () => {
      const theirs = daemonRoutes(slot);
      const gone = [theirs[1].prefix, theirs[4].prefix];
      const mark = ev.mark();
      await d('A').withdraw(gone);
      await ev.wait('routes', (p) => p.peer === addr('A') && gone.every((g) => ev.of('routes', addr('A'), mark).some((e) => e.payload.withdrawn.includes(g))), 20_000, mark);
      const inNow = (speaker.adjRibIn(addr('A')) as SpeakerRoute[]).map((r) => r.prefix);
      expect(inNow).not.toContain(gone[0]);
      expect(inNow).not.toContain(gone[1]);
      expect(inNow).toContain(theirs[0].prefix);

      const ours = ourRoutes(slot);
      speaker.withdraw(addr('A'), [ours[0].prefix, ours[3].prefix]);
      await waitCount(`${kind} drops our withdrawn IPv4 route`, () => d('A').receivedRoutes(US, 'ipv4'), 2);
      await waitCount(`${kind} drops our withdrawn IPv6 route`, () => d('A').receivedRoutes(US, 'ipv6'), 1);
      const v4 = (await d('A').receivedRoutes(US, 'ipv4')).map((r) => r.prefix);
      expect(v4).not.toContain(ours[0].prefix);
      expect(v4).toContain(ours[1].prefix);
    }, 40_000);

    it('route refresh: we ask, the daemon re-sends', async () => {
      const before = speaker.peer(addr('A'))!.counters;
      speaker.refresh(addr('A'), 'ipv4');
      speaker.refresh(addr('A'), 'ipv6');
      const resent = daemonRoutes(slot).length - 2; // two were withdrawn above
      await waitFor('re-sent routes counted', () => {
        const c = speaker.peer(addr('A'))!.counters;
        return c.prefixesReceived - before.prefixesReceived >= resent ? c : undefined;
      }, 15_000).catch((e: Error) => {
        throw new Error(`${e.message}; counters before ${JSON.stringify(before)} after ${JSON.stringify(speaker.peer(addr('A'))!.counters)}`);
      });
      const after = speaker.peer(addr('A'))!.counters;
      expect((after.messagesOut['route-refresh'] ?? 0) - (before.messagesOut['route-refresh'] ?? 0)).toBe(2);
      // FRR also sends our own routes back (their AS_PATH holds our ASN: a loop, RFC 4271 §9.1.2); count the daemon's own
      const own = (speaker.adjRibIn(addr('A')) as SpeakerRoute[]).filter((r) => !flatPath(r).includes(OUR_ASN));
      expect(own.length).toBe(resent);
    }, 30_000);

    it.skipIf(!o.daemonSendsRefresh)('route refresh: the daemon asks, we re-send', async () => {
      const before = speaker.peer(addr('A'))!.counters;
      await d('A').requestRefresh(US);
      const ours = ourRoutes(slot).length - 2;
      await waitFor('our routes re-sent', () => {
        const c = speaker.peer(addr('A'))!.counters;
        return (c.messagesIn['route-refresh'] ?? 0) > (before.messagesIn['route-refresh'] ?? 0) && c.prefixesSent - before.prefixesSent >= ours ? true : undefined;
      }, 15_000);
      expect((await d('A').receivedRoutes(US, 'ipv4')).length + (await d('A').receivedRoutes(US, 'ipv6')).length).toBe(ours);
    }, 30_000);

    it(`carries a 10k-route load both ways (${o.bulkFromDaemon} in, 10000 out)`, async () => {
      const t0 = Date.now();
      const mine = bulkPrefixes(10_000, 0).map((p, i) =>
        toSpeakerRoute({ prefix: p, asPath: [4200000000 + (i % 50)], communities: [[65001, i % 50]], largeCommunities: [[65001, 1, i % 50]] }, OUR_NH),
      );
      speaker.announce(addr('A'), mine as never);
      const theirs = bulkPrefixes(o.bulkFromDaemon, 20_000).map((p, i) => ({ prefix: p, asPath: [4200000000 + (i % 20)], communities: [[65100, i % 20]] as [number, number][] }));
      await d('A').announce(theirs);
      await waitFor(`${kind} holds our 10k routes`, async () => ((await d('A').receivedCount(US, 'ipv4')) >= 10_002 ? true : undefined), 90_000, 500);
      await waitFor(`we hold the daemon's ${o.bulkFromDaemon} routes`, () => (speaker.adjRibIn(addr('A'), { family: 'ipv4' }).length >= o.bulkFromDaemon + 2 ? true : undefined), 90_000, 200);
      const sample = byPrefix(speaker.adjRibIn(addr('A'), { family: 'ipv4' }) as SpeakerRoute[]).get(theirs[7].prefix)!;
      expect(flatPath(sample)).toEqual([asn('A'), 4200000007]);
      expect(sample.attrs.communities).toEqual([65100 * 65536 + 7]);
      console.log(`${kind}: 10000 out + ${o.bulkFromDaemon} in took ${Date.now() - t0} ms`);
    }, 120_000);

    it('answers a wrong peer ASN with NOTIFICATION 2/2 (Bad Peer AS)', async () => {
      const n = await ev.wait('notification', (p) => p.peer === addr('D') && p.direction === 'sent', 30_000);
      expect([n.payload.code, n.payload.subcode]).toEqual([2, 2]);
      expect(speaker.peer(addr('D'))!.state).not.toBe('Established');
      let text = '';
      await waitFor(`${kind} reports Bad Peer AS`, async () => (o.badPeerAsText.test((text = await d('D').lastErrorText(US))) ? true : undefined), 15_000, 300).catch((e: Error) => {
        throw new Error(`${e.message}; daemon says: ${text.slice(0, 1500)}`);
      });
    }, 40_000);

    it('max-prefix: warn keeps the session, teardown closes it with 6/1, restart comes back after the delay', async () => {
      await established('E');
      const w = await ev.wait('max-prefix', (p) => p.peer === addr('E'), 20_000);
      expect(w.payload).toMatchObject({ limit: 10, action: 'warn' });
      await waitFor('all 12 prefixes kept under warn', () => (speaker.routeCountIn(addr('E')) === 12 ? true : undefined), 10_000);
      expect(speaker.peer(addr('E'))!.state).toBe('Established');

      // teardown: applies on the next UPDATE pushing the count over the limit
      let mark = ev.mark();
      speaker.updatePeer(addr('E'), { maxPrefix: { limit: 10, action: 'teardown' } });
      await d('E').announce([{ prefix: `10.${200 + slot}.100.0/24` }]);
      const n = await ev.wait('notification', (p) => p.peer === addr('E') && p.direction === 'sent', 20_000, mark);
      expect([n.payload.code, n.payload.subcode]).toEqual([6, 1]);
      await ev.wait('state', (p) => p.peer === addr('E') && p.from === 'Established', 10_000, mark);
      let text = '';
      await waitFor(`${kind} saw the max-prefix Cease`, async () => (o.maxPrefixText.test((text = await d('E').lastErrorText(US))) ? true : undefined), 15_000, 300).catch((e: Error) => {
        throw new Error(`${e.message}; daemon says: ${text.slice(0, 1500)}`);
      });
      await sleep(3000);
      expect(speaker.peer(addr('E'))!.state).not.toBe('Established');

      // restart: re-established after restartAfterSec, then torn down again by the same table
      mark = ev.mark();
      await speaker.removePeer(addr('E'));
      speaker.addPeer(peerCfg('E', { port: port('E'), maxPrefix: { limit: 10, action: 'restart', restartAfterSec: 2 } }));
      const up1 = await ev.wait('state', (p) => p.peer === addr('E') && p.to === 'Established', 30_000, mark);
      const down = await ev.wait('max-prefix', (p) => p.peer === addr('E') && p.action === 'restart', 20_000, mark);
      const up2 = await ev.wait('state', (p) => p.peer === addr('E') && p.to === 'Established', 30_000, ev.events.indexOf(down) + 1);
      expect(up2.at - down.at).toBeGreaterThanOrEqual(1900);
      // Event order, not timestamps: both can fall in the same millisecond.
      expect(ev.events.indexOf(up1)).toBeLessThan(ev.events.indexOf(down));
      speaker.updatePeer(addr('E'), { maxPrefix: { limit: 100, action: 'warn' } });
    }, 90_000);

    it.runIf(o.twoOctetSide === 'daemon')('4-octet ASNs cross a 2-octet-only session (daemon without the capability): AS_TRANS + AS4_PATH', async () => {
      await established('F');
      await d('F').waitEstablished(US);
      expect(speaker.peer(addr('F'))!.negotiated?.fourOctetAsn).toBe(false);
      // daemon → us: the wire carries AS_TRANS (23456) in AS_PATH and the real path in AS4_PATH
      const got = await waitCount('route from the 2-octet session', () => speaker.adjRibIn(addr('F'), { family: 'ipv4' }) as SpeakerRoute[], 1);
      expect(flatPath(got[0])).toEqual([asn('F'), 4200000001, 64512, 4200000002]);
      // us → daemon: the daemon reconciles our AS_PATH/AS4_PATH back to the 4-octet path
      speaker.announce(addr('F'), [toSpeakerRoute({ prefix: `172.22.${slot}.0/24`, asPath: [4200000011, 64700, 4200000012], communities: [[65001, 9]] }, OUR_NH)] as never);
      const seen = await waitCount(`${kind} learns over the 2-octet session`, () => d('F').receivedRoutes(US, 'ipv4'), 1);
      expect(seen[0].asPath).toEqual([OUR_ASN, 4200000011, 64700, 4200000012]);
    }, 40_000);

    it.runIf(o.twoOctetSide === 'speaker')('4-octet ASNs cross bandex acting as an OLD 2-octet speaker (F → bandex → G): AS_TRANS + AS4_PATH', async () => {
      await Promise.all([established('F'), established('G')]);
      expect(speaker.peer(addr('F'))!.negotiated?.fourOctetAsn).toBe(false);
      expect(speaker.peer(addr('G'))!.negotiated?.fourOctetAsn).toBe(false);
      // F (NEW) → us (OLD): AS_TRANS in AS_PATH, the 4-octet path in AS4_PATH, kept opaque by us
      const got = await waitCount('route from F over the 2-octet session', () => speaker.adjRibIn(addr('F'), { family: 'ipv4' }) as SpeakerRoute[], 1);
      expect(flatPath(got[0])).toEqual([asn('F'), 23456, 64512, 23456]);
      const as4 = ((got[0].attrs as { unknown?: { flags: number; type: number }[] }).unknown ?? []).find((u) => u.type === 17);
      expect(as4, 'AS4_PATH kept as an opaque optional transitive attribute').toBeDefined();
      expect(as4!.flags & 0xc0).toBe(0xc0);
      // us (OLD) → G (NEW): G merges AS_PATH and AS4_PATH (RFC 6793 §4.2.3) back to the real path
      speaker.announce(addr('G'), got as never);
      const seen = await waitCount(`${kind} G learns the route through bandex`, () => d('G').receivedRoutes(US, 'ipv4'), 1);
      expect(seen[0].asPath).toEqual([OUR_ASN, asn('F'), 4200000001, 64512, 4200000002]);
      expect(sortedPairs(seen[0].communities)).toEqual(['65100:5']);
    }, 40_000);

    it('tears down a silent peer when the hold timer expires', async () => {
      await established('C');
      await d('C').waitEstablished(US);
      expect(speaker.peer(addr('C'))!.negotiated?.holdTime).toBe(4);
      const mark = ev.mark();
      const t0 = Date.now();
      d('C').pause();
      try {
        const down = await ev.wait('state', (p) => p.peer === addr('C') && p.from === 'Established', 12_000, mark);
        const elapsed = down.at - t0;
        expect(elapsed).toBeGreaterThan(2000);
        expect(elapsed).toBeLessThan(8000);
        expect(String(down.payload.reason)).toMatch(/hold/i);
        const n = ev.of('notification', addr('C'), mark).find((e) => e.payload.direction === 'sent');
        expect(n && [n.payload.code, n.payload.subcode]).toEqual([4, 0]);
      } finally {
        d('C').resume();
      }
    }, 30_000);
  });
}
