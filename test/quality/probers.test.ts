import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SlidingWindow,
  createUdpResponder,
  decodeProbe,
  encodeProbe,
  icmpProbe,
  parseFpingOutput,
  parsePingOutput,
  tcpConnectProbe,
  udpProbe,
} from '../../src/quality/index.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Loopback addresses of this area: 127.0.3.0/24.
const HOST = '127.0.3.1';

describe('UDP echo probe against the delaying/dropping responder (loopback)', () => {
  it('measures an injected delay of 20 ms ± 5 ms jitter and 10 % random loss', async () => {
    const r = createUdpResponder({ host: HOST, port: 0, delayMs: 20, jitterMs: 5, dropRate: 0.1, dropMode: 'random', seed: 7 });
    const { port } = await r.start();
    try {
      // A long wait for stragglers: on a loaded machine a late reply must not count as loss.
      const run = await udpProbe({ target: HOST, port, count: 200, intervalMs: 4, timeoutMs: 2000 });
      expect(r.counters.received).toBe(200);
      // Loss is exactly what the responder dropped; and that is 10 % within 3.3 binomial σ (±7 %).
      expect(run.sent - run.rtts.length).toBe(r.counters.dropped);
      expect(Math.abs((run.sent - run.rtts.length) / run.sent - 0.1)).toBeLessThanOrEqual(0.07);
      const w = new SlidingWindow({ maxSamples: 1000, maxAgeMs: 1e9 });
      w.addRun(run.at, run.sent, run.rtts);
      const s = w.stats();
      // Delay: timers fire late, never early; allow 10 ms for scheduling on a busy 2-core machine.
      expect(s.medianMs!).toBeGreaterThanOrEqual(19);
      expect(s.medianMs!).toBeLessThanOrEqual(30);
      // libuv timers work in whole ms of a cached loop time: a hold may end up to 1 ms early.
      expect(s.minMs!).toBeGreaterThanOrEqual(14);
      // Uniform ±5 ms jitter: E|D| = 10/3 ms, which the RFC 3550 estimator tracks.
      expect(s.jitterMs!).toBeGreaterThan(1.5);
      expect(s.jitterMs!).toBeLessThan(15);
    } finally {
      await r.stop();
    }
  });

  it('measures spread loss exactly and a near-zero RTT without delay', async () => {
    const r = createUdpResponder({ host: HOST, port: 0, dropRate: 0.25 });
    const { port } = await r.start();
    try {
      const run = await udpProbe({ target: HOST, port, count: 40, intervalMs: 1, timeoutMs: 300 });
      expect(run.sent).toBe(40);
      expect(run.rtts.length).toBe(30);
      expect(median(run.rtts)).toBeLessThan(10);
    } finally {
      await r.stop();
    }
  });

  it('counts everything lost when nobody answers, and ignores foreign datagrams', async () => {
    const r = createUdpResponder({ host: HOST, port: 0 });
    const { port } = await r.start();
    await r.stop();
    const run = await udpProbe({ target: HOST, port, count: 3, intervalMs: 1, timeoutMs: 100 });
    expect(run).toMatchObject({ sent: 3, rtts: [] });
    expect(decodeProbe(Buffer.from('hello, world, this is not a probe'))).toBeUndefined();
    const b = encodeProbe({ kind: 1, session: 0xdeadbeef, seq: 9, sentMicros: 123456789n }, 64);
    expect(b.length).toBe(64);
    expect(decodeProbe(b)).toEqual({ kind: 1, session: 0xdeadbeef, seq: 9, sentMicros: 123456789n });
  });

  it('binds the probe to the given source address', async () => {
    const seen: string[] = [];
    const r = createUdpResponder({ host: HOST, port: 0 });
    const { port } = await r.start();
    const { createSocket } = await import('node:dgram');
    const spy = createSocket('udp4');
    await new Promise<void>((res) => spy.bind(0, HOST, () => res()));
    spy.on('message', (m, rinfo) => {
      seen.push(rinfo.address);
      spy.send(m.fill(2, 4, 5), rinfo.port, rinfo.address);
    });
    try {
      const run = await udpProbe({ target: HOST, port: spy.address().port, count: 2, intervalMs: 1, timeoutMs: 300, sourceAddress: '127.0.3.7' });
      expect(run.rtts.length).toBe(2);
      expect(seen).toEqual(['127.0.3.7', '127.0.3.7']);
    } finally {
      spy.close();
      await r.stop();
    }
    void port;
  });
});

describe('IPv6', () => {
  it('probes ::1 by UDP echo, TCP connect and fping', async () => {
    const r = createUdpResponder({ host: '::1', port: 0, delayMs: 5 });
    const { port } = await r.start();
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((res) => srv.listen(0, '::1', () => res()));
    try {
      const u = await udpProbe({ target: '::1', port, count: 5, intervalMs: 1, timeoutMs: 500 });
      expect(u.rtts).toHaveLength(5);
      expect(median(u.rtts)).toBeGreaterThanOrEqual(4);
      const t = await tcpConnectProbe({ target: '::1', port: (srv.address() as { port: number }).port, count: 3, intervalMs: 1, timeoutMs: 1000 });
      expect(t.rtts).toHaveLength(3);
      const f = await icmpProbe({ target: '::1', count: 3, intervalMs: 10, timeoutMs: 500 });
      expect(f).toMatchObject({ sent: 3 });
      expect(f.rtts).toHaveLength(3);
    } finally {
      await r.stop();
      await new Promise<void>((res) => srv.close(() => res()));
    }
  });
});

describe('TCP connect probe', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, HOST, () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('measures the handshake time against a listener', async () => {
    const run = await tcpConnectProbe({ target: HOST, port, count: 5, intervalMs: 1, timeoutMs: 1000 });
    expect(run.sent).toBe(5);
    expect(run.rtts).toHaveLength(5);
    expect(median(run.rtts)).toBeLessThan(20);
  });

  it('counts a refused connection as a reply (one round trip) unless told not to', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, HOST, () => r()));
    const closed = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect((await tcpConnectProbe({ target: HOST, port: closed, count: 2, intervalMs: 1, timeoutMs: 500 })).rtts).toHaveLength(2);
    expect((await tcpConnectProbe({ target: HOST, port: closed, count: 2, intervalMs: 1, timeoutMs: 500, refusedIsReply: false })).rtts).toHaveLength(0);
  });
});

describe('ICMP echo via fping and ping', () => {
  it('parses fping -C output with lost packets', () => {
    const text = '192.0.2.1 : 0.05 - 0.06 -\nICMP Host Unreachable from 192.0.2.9 for ICMP Echo sent to 192.0.2.8\n192.0.2.8 : - - - -\n';
    expect(parseFpingOutput(text, '192.0.2.1')).toEqual({ sent: 4, rtts: [0.05, 0.06] });
    expect(parseFpingOutput(text, '192.0.2.8')).toEqual({ sent: 4, rtts: [] });
    expect(parseFpingOutput(text, '192.0.2.7')).toBeUndefined();
  });

  it('parses iputils ping output, ignoring duplicates', () => {
    const text = [
      'PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.',
      '64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.022 ms',
      '64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.030 ms (DUP!)',
      '64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.036 ms',
      '',
      '--- 127.0.0.1 ping statistics ---',
      '3 packets transmitted, 2 received, +1 duplicates, 33.3333% packet loss, time 15ms',
    ].join('\n');
    expect(parsePingOutput(text)).toEqual({ sent: 3, rtts: [0.022, 0.036] });
  });

  it('pings a loopback address with fping and with the ping fallback', async () => {
    const f = await icmpProbe({ target: HOST, count: 5, intervalMs: 10, timeoutMs: 500 });
    expect(f.sent).toBe(5);
    expect(f.rtts).toHaveLength(5);
    expect(median(f.rtts)).toBeLessThan(10);
    const p = await icmpProbe({ target: HOST, count: 3, intervalMs: 10, timeoutMs: 500, command: 'ping' });
    expect(p).toMatchObject({ sent: 3 });
    expect(p.rtts).toHaveLength(3);
  });

  it('reports a prober that cannot run as a failure, not as loss', async () => {
    await expect(icmpProbe({ target: 'not an address', count: 1, intervalMs: 10, timeoutMs: 100 })).rejects.toThrow(/QUALITY|fping exited/);
  });
});
