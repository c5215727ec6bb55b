// Two of our own speakers (and a scripted raw peer) over real loopback sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { KEEPALIVE_MESSAGE } from '../../../src/bgp/header.ts';
import { createSpeaker, parseCommunity, type PathAttributes, type PeerConfig, type Route, type Speaker } from '../../../src/bgp/index.ts';
import { pair, established, waitFor, RawPeer, type Pair } from './session-helpers.ts';

const P = '127.0.0.1';
const open: Pair[] = [];
const raws: RawPeer[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.close();
  for (const p of open.splice(0)) await p.stop();
});
async function mk(...args: Parameters<typeof pair>): Promise<Pair> {
  const p = await pair(...args);
  open.push(p);
  return p;
}

const lones: Speaker[] = [];
afterEach(async () => {
  for (const s of lones.splice(0)) await s.stop();
});
/** One listening speaker with a passive peer 127.0.0.1 (AS 65002), for a raw peer to talk to. */
async function lone(peer: Partial<PeerConfig> = {}): Promise<Speaker> {
  const s = createSpeaker({}, { asn: 65001, routerId: '10.0.0.1', listen: { host: '127.0.0.1', port: 0 } });
  await s.start();
  s.addPeer({ address: P, asn: 65002, passive: true, ...peer });
  lones.push(s);
  return s;
}

const v4attrs: PathAttributes = {
  origin: 'igp',
  asPath: [{ type: 'sequence', asns: [4200000001] }],
  nextHop: '203.0.113.1',
  med: 10,
  communities: [parseCommunity('65001:100')!, parseCommunity('no-export')!],
  largeCommunities: [[65001, 1, 2]],
};
const v6attrs: PathAttributes = { origin: 'igp', asPath: [], nextHop: '2001:db8::1', largeCommunities: [[65001, 3, 4]] };

describe('sessions over loopback', () => {
  it('establishes, exchanges IPv4 and IPv6 with communities both ways, withdraws, and ends with Cease', async () => {
    const p = await mk();
    const events: Array<{ peer: string; family: string; announced: Route[]; withdrawn: string[] }> = [];
    const eors: string[] = [];
    p.b.on('routes', (e) => events.push(e));
    p.b.on('eor', (e: { family: string }) => eors.push(e.family));
    const states: string[] = [];
    p.b.on('state', (e: { to: string; reason: string }) => states.push(`${e.to}:${e.reason}`));
    await established(p);
    expect(states.map((s) => s.split(':')[0]).slice(-3)).toEqual(['OpenSent', 'OpenConfirm', 'Established']);
    expect(states.at(-1)).toBe('Established:KEEPALIVE received');
    p.a.announce(P, [
      { prefix: '10.1.0.0/24', attrs: v4attrs },
      { prefix: '10.2.0.0/16', attrs: v4attrs },
      { prefix: '2001:db8:1::/48', attrs: v6attrs },
    ]);
    p.b.announce(P, [{ prefix: '192.0.2.0/24', attrs: { origin: 'egp', asPath: [], nextHop: '198.51.100.2', communities: [parseCommunity('65002:7')!] } }]);
    await waitFor(() => p.b.routeCountIn(P) === 3 && p.a.routeCountIn(P) === 1, 3000, 'routes');
    const got = p.b.adjRibIn(P, { family: 'ipv4' });
    expect(got.map((r) => r.prefix).sort()).toEqual(['10.1.0.0/24', '10.2.0.0/16']);
    // Not a route server: A prepends its ASN; MED and communities arrive intact.
    expect(got[0].attrs).toMatchObject({ asPath: [{ type: 'sequence', asns: [65001, 4200000001] }], nextHop: '203.0.113.1', med: 10, communities: v4attrs.communities, largeCommunities: [[65001, 1, 2]] });
    expect(p.b.adjRibIn(P, { family: 'ipv6' })).toEqual([{ prefix: '2001:db8:1::/48', attrs: { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '2001:db8::1', largeCommunities: [[65001, 3, 4]] } }]);
    expect(p.a.adjRibIn(P)[0].attrs.communities).toEqual([parseCommunity('65002:7')]);
    expect(eors.sort()).toEqual(['ipv4', 'ipv6']);
    expect(events.some((e) => e.family === 'ipv6' && e.announced.length === 1)).toBe(true);
    // Both IPv4 prefixes share one attribute set: one UPDATE carries them.
    expect(p.b.peer(P)!.counters.messagesIn.update).toBe(2 + 2); // v4 + v6 + two End-of-RIB
    p.a.withdraw(P, ['10.1.0.0/24', '2001:db8:1::/48']);
    await waitFor(() => p.b.routeCountIn(P) === 1, 3000, 'withdrawal');
    expect(events.flatMap((e) => e.withdrawn).sort()).toEqual(['10.1.0.0/24', '2001:db8:1::/48']);
    const st = p.b.peer(P)!;
    expect(st.negotiated).toMatchObject({ holdTime: 30, keepaliveTime: 10, fourOctetAsn: true, families: ['ipv4', 'ipv6'], enhancedRouteRefresh: true });
    expect(st.prefixesIn).toEqual({ ipv4: 1, ipv6: 0, stale: 0, total: 1 });
    const notes: Array<{ direction: string; code: number; subcode: number; shutdownMessage?: string }> = [];
    p.b.on('notification', (n) => notes.push(n));
    await p.a.stop();
    await waitFor(() => notes.length > 0, 3000, 'notification');
    expect(notes[0]).toMatchObject({ direction: 'received', code: 6, subcode: 2, shutdownMessage: 'bandex speaker shutting down' });
    await waitFor(() => p.b.routeCountIn(P) === 0, 2000, 'routes released');
  });

  it('is transparent in route-server mode (RFC 7947): no ASN prepended, next hop and MED unchanged', async () => {
    const p = await mk({ routeServer: true });
    await established(p);
    p.a.announce(P, [{ prefix: '10.9.0.0/24', attrs: v4attrs }]);
    await waitFor(() => p.b.routeCountIn(P) === 1, 3000);
    expect(p.b.adjRibIn(P)[0].attrs).toEqual(v4attrs);
  });

  it('answers a route refresh with the whole Adj-RIB-Out, wrapped in BoRR/EoRR', async () => {
    const p = await mk();
    await established(p);
    p.a.announce(P, [{ prefix: '10.1.0.0/24', attrs: v4attrs }]);
    await waitFor(() => p.b.routeCountIn(P) === 1);
    const before = p.b.peer(P)!.counters.prefixesReceived;
    p.b.refresh(P, 'ipv4');
    await waitFor(() => p.b.peer(P)!.counters.prefixesReceived === before + 1, 3000, 'refresh');
    expect(p.a.peer(P)!.counters.messagesIn['route-refresh']).toBe(1);
    expect(p.a.peer(P)!.counters.messagesOut['route-refresh']).toBe(2); // BoRR + EoRR
    expect(p.b.routeCountIn(P)).toBe(1);
  });

  it('tears a silent peer down when the hold timer expires (NOTIFICATION 4/0)', async () => {
    const a = await lone({ holdTime: 3 });
    const raw = await RawPeer.connect(a.address()!.port);
    raws.push(raw);
    raw.open({ holdTime: 3 });
    await waitFor(() => raw.of('open').length === 1 && raw.of('keepalive').length >= 1);
    raw.send(KEEPALIVE_MESSAGE);
    await waitFor(() => a.peer(P)?.state === 'Established');
    const t0 = Date.now();
    await waitFor(() => raw.of('notification').length > 0, 6000, 'hold timer NOTIFICATION');
    expect(Date.now() - t0).toBeGreaterThan(2000);
    expect(raw.of('notification')[0]).toMatchObject({ code: 4, subcode: 0 });
    expect(a.peer(P)!.state).not.toBe('Established');
    expect(a.peer(P)!.lastError).toMatchObject({ code: 4, direction: 'sent' });
  });

  it('rejects a wrong peer AS (2/2) and a hold time of 2 s (2/6)', async () => {
    const p = await mk({}, {}, { asn: 65009 });
    const notes: Array<{ direction: string; code: number; subcode: number }> = [];
    p.b.on('notification', (n) => notes.push(n));
    await waitFor(() => notes.length > 0, 3000, 'Bad Peer AS');
    expect(notes[0]).toMatchObject({ direction: 'received', code: 2, subcode: 2 });
    expect(p.a.peer(P)!.lastError).toMatchObject({ code: 2, subcode: 2, name: 'OPEN Message Error / Bad Peer AS' });
    const q = await lone();
    const raw = await RawPeer.connect(q.address()!.port);
    raws.push(raw);
    raw.open({ holdTime: 2 });
    await waitFor(() => raw.of('notification').length > 0, 3000, 'Unacceptable Hold Time');
    expect(raw.of('notification')[0]).toMatchObject({ code: 2, subcode: 6 });
  });

  it('max-prefix: warn, tear down with Cease/1, or restart after N seconds', async () => {
    const routes = (n: number): Route[] => Array.from({ length: n }, (_, i) => ({ prefix: `10.${i}.0.0/16`, attrs: v4attrs }));
    const warn = await mk({}, {}, {}, { maxPrefix: { limit: 2, action: 'warn' } });
    const warnings: unknown[] = [];
    warn.b.on('max-prefix', (e) => warnings.push(e));
    await established(warn);
    warn.a.announce(P, routes(3));
    await waitFor(() => warnings.length === 1);
    expect(warnings[0]).toEqual({ peer: P, count: 3, limit: 2, action: 'warn' });
    expect(warn.b.peer(P)!.state).toBe('Established');

    const tear = await mk({}, {}, {}, { maxPrefix: { limit: 2, action: 'restart', restartAfterSec: 1 } });
    await established(tear);
    const notes: Array<{ direction: string; code: number; subcode: number; data: Uint8Array }> = [];
    tear.a.on('notification', (n) => notes.push(n));
    tear.a.announce(P, routes(3));
    await waitFor(() => notes.length > 0, 3000, 'Cease/1');
    expect(notes[0]).toMatchObject({ direction: 'received', code: 6, subcode: 1 });
    expect(Buffer.from(notes[0].data).toString('hex')).toBe('00010100000002'); // AFI 1, SAFI 1, limit 2
    expect(tear.b.peer(P)!.state).toBe('Idle');
    expect(tear.b.routeCountIn(P)).toBe(0);
    // Restart after 1 s: the session comes back (and is torn down again by the same table).
    await waitFor(() => tear.a.peer(P)!.counters.messagesIn.open === 2, 4000, 'restart');
  });

  it('speaks to a 2-octet-only peer: AS_TRANS on the wire, AS4_PATH kept opaque with Partial set', async () => {
    const p = await mk({ asn: 4200000001 }, {}, {}, { fourOctetAsn: false, asn: 23456 });
    await established(p);
    expect(p.b.peer(P)!.negotiated!.fourOctetAsn).toBe(false);
    p.a.announce(P, [{ prefix: '10.1.0.0/24', attrs: { origin: 'igp', asPath: [{ type: 'sequence', asns: [4200000002, 65010] }], nextHop: '203.0.113.1' } }]);
    await waitFor(() => p.b.routeCountIn(P) === 1);
    const r = p.b.adjRibIn(P)[0];
    expect(r.attrs.asPath).toEqual([{ type: 'sequence', asns: [23456, 23456, 65010] }]);
    expect(r.attrs.unknown).toEqual([{ flags: 0xe0, type: 17, value: expect.any(Uint8Array) }]);
    // The NEW side, told the peer is OLD, reconciles what the OLD side sends back: the real path
    // 65002 4200000001 4200000002 65010 holds A's own 4-octet ASN, so A drops it as a loop.
    p.b.announce(P, [{ prefix: '10.2.0.0/24', attrs: r.attrs }, { prefix: '10.3.0.0/24', attrs: { origin: 'igp', asPath: [], nextHop: '203.0.113.2' } }]);
    await waitFor(() => p.a.routeCountIn(P) === 1 && p.a.peer(P)!.counters.loops === 1);
    expect(p.a.adjRibIn(P)[0].prefix).toBe('10.3.0.0/24');
  });

  it('resolves a connection collision: both dial, one session survives (RFC 4271 §6.8)', async () => {
    const p = await mk({}, { listen: { host: '127.0.0.1', port: 0 } }, { passive: false, port: 1 }, {});
    // Point A at B's listener too, so both sides dial at once.
    p.a.updatePeer(P, { port: p.b.address()!.port, connectRetrySec: 1 });
    await established(p, 8000);
    await new Promise((r) => setTimeout(r, 300));
    expect(p.a.peer(P)!.state).toBe('Established');
    expect(p.b.peer(P)!.state).toBe('Established');
    p.a.announce(P, [{ prefix: '10.1.0.0/24', attrs: v4attrs }]);
    await waitFor(() => p.b.routeCountIn(P) === 1);
  });

  it('helps a gracefully restarting peer: routes stay stale until End-of-RIB (RFC 4724)', async () => {
    const p = await mk({}, {}, { gracefulRestart: true }, { gracefulRestart: true });
    await established(p);
    p.a.announce(P, [
      { prefix: '10.1.0.0/24', attrs: v4attrs },
      { prefix: '10.2.0.0/24', attrs: v4attrs },
    ]);
    await waitFor(() => p.b.routeCountIn(P) === 2);
    // A "restarts": its TCP connection dies without a NOTIFICATION, and it comes back with one route fewer.
    p.a.withdraw(P, ['10.2.0.0/24']);
    const internals = p.a as unknown as { peerMap: Map<string, { conn?: { sock: { destroy(): void } } }> };
    const sawStale = new Promise<number>((res) => {
      const t = setInterval(() => {
        const s = p.b.peer(P)!;
        if (s.prefixesIn.stale > 0) {
          clearInterval(t);
          res(s.prefixesIn.stale);
        }
      }, 1);
    });
    internals.peerMap.get(P)!.conn!.sock.destroy();
    expect(await sawStale).toBeGreaterThan(0);
    const withdrawn: string[] = [];
    p.b.on('routes', (e: { withdrawn: string[] }) => withdrawn.push(...e.withdrawn));
    await waitFor(() => p.b.peer(P)!.state === 'Established' && p.b.peer(P)!.prefixesIn.stale === 0, 6000, 're-established, stale purged');
    expect(p.b.adjRibIn(P).map((r) => r.prefix)).toEqual(['10.1.0.0/24']);
    expect(withdrawn).toEqual(['10.2.0.0/24']); // only the route the restarted peer did not re-announce
  });

  it('packs a 20,000-route table into few UPDATEs and respects back-pressure', async () => {
    const p = await mk({}, { routeEvents: 'counts' });
    let announced = 0;
    let objects = 0;
    p.b.on('routes', (e: { announced: Route[]; announcedCount: number }) => {
      announced += e.announcedCount;
      objects += e.announced.length;
    });
    await established(p);
    const sets = Array.from({ length: 10 }, (_, i): PathAttributes => ({ ...v4attrs, med: i }));
    const routes: Route[] = Array.from({ length: 20000 }, (_, i) => ({ prefix: `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`, attrs: sets[i % 10] }));
    p.a.announce(P, routes);
    await waitFor(() => p.b.routeCountIn(P) === 20000, 10000, '20k routes');
    const updates = p.b.peer(P)!.counters.messagesIn.update;
    expect(updates).toBeLessThan(20000 / 500);
    expect(p.b.internedAttributeSets()).toBe(10);
    expect(p.b.peer(P)!.counters.prefixesReceived).toBe(20000);
    expect([announced, objects]).toEqual([20000, 0]); // routeEvents 'counts': no per-route objects
    expect(p.b.adjRibIn(P).find((r) => r.prefix === '20.0.5.0/24')!.attrs.med).toBe(5);
  });

  it('sends UPDATEs beyond 4096 octets only with extended messages (RFC 8654)', async () => {
    const big: PathAttributes = { ...v4attrs, communities: Array.from({ length: 1100 }, (_, i) => 65001 * 65536 + i) };
    const ext = await mk({}, {}, { extendedMessages: true }, { extendedMessages: true });
    await established(ext);
    expect(ext.b.peer(P)!.negotiated!.extendedMessages).toBe(true);
    ext.a.announce(P, [{ prefix: '10.1.0.0/24', attrs: big }]);
    await waitFor(() => ext.b.routeCountIn(P) === 1);
    expect(ext.b.adjRibIn(P)[0].attrs.communities).toHaveLength(1100);
    const logs: string[] = [];
    const plain = await mk({}, {}, { extendedMessages: true }, {}, {}, { log: (_l, m) => void logs.push(m) });
    await established(plain);
    expect(plain.b.peer(P)!.negotiated!.extendedMessages).toBe(false);
    plain.a.announce(P, [{ prefix: '10.1.0.0/24', attrs: big }, { prefix: '10.2.0.0/24', attrs: v4attrs }]);
    await waitFor(() => plain.b.routeCountIn(P) === 1);
    expect(plain.b.adjRibIn(P)[0].prefix).toBe('10.2.0.0/24');
    expect(plain.b.peer(P)!.state).toBe('Established');
    expect(logs.some((m) => /1 ipv4 routes not sent/.test(m))).toBe(true);
  });

  it('carries several paths per prefix with add-path (RFC 7911)', async () => {
    const p = await mk({}, {}, { addPath: 'send' }, { addPath: 'receive' });
    await established(p);
    expect(p.b.peer(P)!.negotiated).toMatchObject({ addPathReceive: ['ipv4', 'ipv6'], addPathSend: [] });
    p.a.announce(P, [
      { prefix: '10.1.0.0/24', pathId: 1, attrs: v4attrs },
      { prefix: '10.1.0.0/24', pathId: 2, attrs: { ...v4attrs, nextHop: '203.0.113.2' } },
      { prefix: '2001:db8::/32', pathId: 5, attrs: v6attrs },
    ]);
    await waitFor(() => p.b.routeCountIn(P) === 3);
    const v4 = p.b.adjRibIn(P, { family: 'ipv4' }).sort((x, y) => (x.pathId ?? 0) - (y.pathId ?? 0));
    expect(v4.map((r) => [r.prefix, r.pathId, r.attrs.nextHop])).toEqual([
      ['10.1.0.0/24', 1, '203.0.113.1'],
      ['10.1.0.0/24', 2, '203.0.113.2'],
    ]);
    p.a.withdraw(P, [{ prefix: '10.1.0.0/24', pathId: 1 }]);
    await waitFor(() => p.b.routeCountIn(P) === 2);
    expect(p.b.adjRibIn(P, { family: 'ipv4' })[0].pathId).toBe(2);
  });

  it('counts messages, updates, prefixes and errors per peer in the metrics sink', async () => {
    const counts = new Map<string, number>();
    const gauges = new Map<string, number>();
    const key = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}}`;
    const metrics = {
      inc: (name: string, labels: Record<string, string>, n = 1) => void counts.set(key(name, labels), (counts.get(key(name, labels)) ?? 0) + n),
      set: (name: string, labels: Record<string, string>, v: number) => void gauges.set(key(name, labels), v),
    };
    const p = await mk({}, {}, {}, {}, { metrics });
    await established(p);
    p.a.announce(P, [{ prefix: '10.1.0.0/24', attrs: v4attrs }, { prefix: '10.2.0.0/24', attrs: v4attrs }]);
    await waitFor(() => p.b.routeCountIn(P) === 2);
    expect(counts.get('bgp_messages_received_total{peer=127.0.0.1,type=open}')).toBe(1);
    expect(counts.get('bgp_messages_sent_total{peer=127.0.0.1,type=keepalive}')).toBeGreaterThanOrEqual(1);
    expect(counts.get('bgp_prefixes_received_total{peer=127.0.0.1,family=ipv4}')).toBe(2);
    expect(gauges.get('bgp_prefixes_accepted{peer=127.0.0.1,family=ipv4}')).toBe(2);
    expect(gauges.get('bgp_session_established{peer=127.0.0.1}')).toBe(1);
    await p.a.stop();
    await waitFor(() => counts.has('bgp_errors_total{peer=127.0.0.1,code=6,subcode=2,direction=received}'));
    expect(gauges.get('bgp_session_established{peer=127.0.0.1}')).toBe(0);
  });

  it('runs over IPv6 transport; next hop self is the session address', async () => {
    const a = createSpeaker({}, { asn: 65001, routerId: '10.0.0.1', listen: { host: '::1', port: 0 } });
    const b = createSpeaker({}, { asn: 65002, routerId: '10.0.0.2', listen: false });
    lones.push(b, a);
    await a.start();
    a.addPeer({ address: '0:0::1', asn: 65002, passive: true });
    b.addPeer({ address: '::1', port: a.address()!.port, asn: 65001, connectRetrySec: 1 });
    await b.start();
    await waitFor(() => a.peer('::1')?.state === 'Established' && b.peer('0::1')?.state === 'Established', 5000, 'IPv6 session');
    a.announce('::1', [
      { prefix: '2001:db8:5::/48', attrs: { origin: 'igp', asPath: [], nextHop: '' } },
      { prefix: '10.5.0.0/16', attrs: v4attrs },
    ]);
    await waitFor(() => b.routeCountIn('::1') === 2);
    expect(b.adjRibIn('::1', { family: 'ipv6' })[0].attrs.nextHop).toBe('::1');
    expect(b.adjRibIn('::1', { family: 'ipv4' })[0].attrs.nextHop).toBe('203.0.113.1');
  });

  it('drops routes whose AS_PATH holds its own ASN, also as a route server, and counts them', async () => {
    for (const bCfg of [{}, { routeServer: true }]) {
      const p = await mk({}, bCfg);
      const announced: Route[] = [];
      p.b.on('routes', (e: { announced: Route[] }) => announced.push(...e.announced));
      await established(p);
      p.a.announce(P, [
        { prefix: '10.1.0.0/24', attrs: { ...v4attrs, asPath: [{ type: 'sequence', asns: [64512, 65002, 64513] }] } },
        { prefix: '10.2.0.0/24', attrs: v4attrs },
      ]);
      await waitFor(() => p.b.peer(P)!.counters.loops === 1 && p.b.routeCountIn(P) === 1, 3000, 'loop dropped');
      expect(p.b.adjRibIn(P).map((r) => r.prefix)).toEqual(['10.2.0.0/24']);
      expect(announced.map((r) => r.prefix)).toEqual(['10.2.0.0/24']);
    }
  });

  it("routeEvents 'batches': one event per UPDATE and family with shared attrs and compact prefixes", async () => {
    const p = await mk({}, { routeEvents: 'batches' });
    const events: Array<{ family: string; attrs?: PathAttributes; announced: Uint32Array | Uint8Array; withdrawn: Uint32Array | Uint8Array | string[]; announcedCount: number; withdrawnCount: number }> = [];
    p.b.on('routes', (e) => events.push(e));
    await established(p);
    p.a.announce(P, [
      { prefix: '10.1.0.0/24', attrs: v4attrs },
      { prefix: '10.2.0.0/16', attrs: v4attrs },
      { prefix: '2001:db8:1::/48', attrs: v6attrs },
    ]);
    await waitFor(() => events.length === 2);
    const v4 = events.find((e) => e.family === 'ipv4')!;
    expect(v4.announced).toBeInstanceOf(Uint32Array);
    const pairs = Array.from(v4.announced as Uint32Array);
    expect(pairs.length).toBe(4);
    expect(new Set([`${pairs[0]}/${pairs[1]}`, `${pairs[2]}/${pairs[3]}`])).toEqual(new Set([`${0x0a010000}/24`, `${0x0a020000}/16`]));
    expect(v4.attrs).toBe(p.b.adjRibIn(P, { family: 'ipv4' })[0].attrs); // the interned object itself
    expect(Object.isFrozen(v4.attrs)).toBe(true);
    const v6 = events.find((e) => e.family === 'ipv6')!;
    expect(Array.from(v6.announced as Uint8Array)).toEqual([48, 0x20, 0x01, 0x0d, 0xb8, 0, 1, ...new Array(10).fill(0)]);
    p.a.withdraw(P, ['10.1.0.0/24']);
    await waitFor(() => events.length === 3);
    expect(Array.from(events[2].withdrawn as Uint32Array)).toEqual([0x0a010000, 24]);
    expect(events[2]).toMatchObject({ announcedCount: 0, withdrawnCount: 1 });
    await p.a.stop(); // session down keeps the string form
    await waitFor(() => events.some((e) => Array.isArray(e.withdrawn) && e.withdrawn.includes('10.2.0.0/16')));
  });

  it('adds, changes and removes peers at runtime; bad input changes nothing', async () => {
    const p = await mk();
    await established(p);
    expect(() => p.a.addPeer({ address: '127.0.0.1', asn: 1 })).toThrow(/already configured/);
    expect(() => p.a.addPeer({ address: 'not-an-ip', asn: 1 })).toThrow(/address/);
    expect(() => p.a.addPeer({ address: '127.0.0.9', asn: 1, holdTime: 2 })).toThrow(/holdTime/);
    expect(() => p.a.announce(P, [{ prefix: '10.0.0.1/8', attrs: v4attrs }])).toThrow(/canonical CIDR/);
    expect(() => p.a.adjRibIn('192.0.2.99')).toThrow(/no peer/);
    const states: string[] = [];
    p.b.on('state', (e: { to: string }) => states.push(e.to));
    p.a.updatePeer(P, { holdTime: 9 });
    await waitFor(() => states.includes('Idle') && p.b.peer(P)!.state === 'Established', 6000, 'renegotiated');
    expect(p.b.peer(P)!.negotiated!.holdTime).toBe(9);
    expect(p.b.peer(P)!.lastError).toMatchObject({ code: 6, subcode: 6, direction: 'received' });
    await p.a.removePeer(P);
    expect(p.a.peers()).toEqual([]);
    await waitFor(() => p.b.peer(P)!.lastError?.subcode === 3, 3000, 'Peer De-configured');
  });
});
