// The threaded collector (decodeThreads 1: this thread receives, a worker decodes into a sink
// loaded from a module) must report exactly what the inline collector reports for the same
// datagrams: records, per-flow sums, per-exporter counters (templates, sequence loss, errors) —
// through both receive paths: the native addon (recvmmsg in the decode worker) and node:dgram.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { createFlowCollector, FlowDecodeError, FlowDecoder } from '../../src/flow/index.ts';
import { FLOW_IO_PATH, loadFlowIo } from '../../src/flow/native.ts';
import type { FlowCollector, ExporterSnapshot } from '../../src/flow/index.ts';
import { loadFixture, summingSink } from './helpers/fixtures.ts';

const sinkModule = fileURLToPath(new URL('./helpers/worker-sink.ts', import.meta.url));
const collectors: FlowCollector[] = [];
afterAll(async () => {
  await Promise.all(collectors.map((c) => c.stop()));
});

async function feed(port: number, dgs: Buffer[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const d of dgs) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
  s.close();
}

function comparable(e: ExporterSnapshot[]): unknown {
  return e.map(({ firstSeenMs: _f, lastSeenMs: _l, ...rest }) => rest);
}

// CI builds the addon on `npm ci`; FLOWIO_SKIP_BUILD marks a machine where it is deliberately absent
const nativeBuilt = existsSync(FLOW_IO_PATH) || !process.env.FLOWIO_SKIP_BUILD;

it('the native addon is built and loads (npm ci runs scripts/build-native.mjs)', () => {
  if (!nativeBuilt) return;
  expect(loadFlowIo()).not.toBeNull();
});

describe.each(nativeBuilt ? (['native', 'dgram'] as const) : (['dgram'] as const))('threaded collector (decodeThreads 1), receive %s', (receive) => {
  it('decodes the same records, sums and exporter counters as the inline collector', async () => {
    // IPFIX and v9 (templates), v5, and sFlow (its own exporter: the agent address) with one
    // datagram skipped to make a sequence gap
    const sflow = loadFixture('pmacct-sflow');
    const dgs = [
      ...loadFixture('pmacct-ipfix'), ...loadFixture('softflowd-v9'), ...loadFixture('pmacct-v5'),
      ...sflow.slice(0, 3), ...sflow.slice(4), Buffer.from('garbage!'),
    ];

    const inlineSink = summingSink();
    const inline = createFlowCollector({ listen: [{ host: '127.0.0.1', port: 0 }] }, inlineSink);
    const threaded = createFlowCollector({ listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, receive }, null);
    collectors.push(inline, threaded);
    const [a] = await inline.start();
    const [b] = await threaded.start();
    expect(threaded.decoder).toBeNull();
    expect(threaded.stats().receivePath).toBe(receive);
    await feed(a.port, dgs);
    await feed(b.port, dgs);
    await new Promise((r) => setTimeout(r, 200));
    const inlineExporters = inline.exporters();
    await inline.stop();
    await threaded.stop(); // decodes everything queued, then the final snapshot and sink result arrive

    const want = inline.stats();
    expect(want.records).toBeGreaterThan(0);
    expect(threaded.stats()).toMatchObject({ datagrams: dgs.length, records: want.records, decodeErrors: 1, sinkErrors: 0, queueDrops: 0 });
    expect(new Map(threaded.sinkResult() as Array<[string, unknown]>)).toEqual(inlineSink.sums);
    expect(comparable(threaded.exporters())).toEqual(comparable(inlineExporters));
    expect(threaded.exporters().some((e) => e.protocol === 'sflow' && e.lost === 1)).toBe(true);
  });

  it('reports decode and sink errors to onError with the codec error type and keeps collecting', async () => {
    const errors: Array<{ err: unknown; source: string }> = [];
    const c = createFlowCollector(
      { listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, sinkOptions: { throwOnPort: 53 }, receive },
      null,
      { onError: (err, source) => errors.push({ err, source }) },
    );
    collectors.push(c);
    const [a] = await c.start();
    const ipfix = loadFixture('softflowd-ipfix');
    await feed(a.port, [Buffer.from('000a00ff0000000000000000000000000000', 'hex'), ...ipfix]);
    await new Promise((r) => setTimeout(r, 150));
    await c.stop();
    const decodeErrors = errors.filter((e) => e.err instanceof FlowDecodeError);
    expect(decodeErrors).toHaveLength(1);
    expect((decodeErrors[0].err as FlowDecodeError).code).toBe('FLOW_BAD_LENGTH');
    expect(decodeErrors[0].source).toBe('127.0.0.1');
    expect(c.stats().decodeErrors).toBe(1);
    expect(c.stats().datagrams).toBe(1 + ipfix.length);
  });

  it('stops promptly while idle and relays sink messages both ways', async () => {
    const got: unknown[] = [];
    const c = createFlowCollector(
      { listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, sinkOptions: { echo: true }, receive },
      null,
      { onSinkMessage: (d) => got.push(d) },
    );
    collectors.push(c);
    await c.start();
    c.postToSink({ ping: 1 });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await c.stop();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(got).toEqual([{ echo: { ping: 1 } }, { closed: true }]);
  });

  it('receives from IPv6 exporters with the same address text as node:dgram', async () => {
    const c = createFlowCollector({ listen: [{ host: '::1', port: 0 }], decodeThreads: 1, receive }, null);
    collectors.push(c);
    const [a] = await c.start();
    const s = dgram.createSocket('udp6');
    for (const d of loadFixture('pmacct-v5')) await new Promise<void>((r) => s.send(d, a.port, '::1', () => r()));
    s.close();
    await new Promise((r) => setTimeout(r, 150));
    await c.stop();
    expect(c.stats().records).toBeGreaterThan(0);
    expect(c.exporters().map((e) => e.exporter)).toEqual(['::1']);
  });

  it('refuses a sink object in worker mode and a missing sink inline', () => {
    expect(() => createFlowCollector({ listen: [], decodeThreads: 1 }, { flow: () => {} })).toThrow(/sinkModule/);
    expect(() => createFlowCollector({ listen: [] }, null)).toThrow(/sink is required/);
  });
});

describe.each(nativeBuilt ? (['native', 'dgram'] as const) : (['dgram'] as const))('decode worker restart, receive %s', (receive) => {
  it('a dead decode worker is started again after a backoff, on the same port, with the last sink message, and decodes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxf-restart-'));
    const errors: string[] = [];
    const echoes: unknown[] = [];
    const restarts: number[] = [];
    let echoesAtRestart = -1;
    const c = createFlowCollector(
      { listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, sinkOptions: { crashAfterMs: 50, crashOnceFile: join(dir, 'crashed'), echo: true }, receive, restartDelayMs: 500 },
      null,
      {
        onError: (err) => errors.push(err instanceof Error ? err.message : String(err)),
        onSinkMessage: (d) => echoes.push(d),
        onWorkerRestart: (n) => {
          restarts.push(n);
          echoesAtRestart = echoes.length;
        },
      },
    );
    collectors.push(c);
    try {
      const [a] = await c.start();
      c.postToSink({ table: 1 });
      c.postToSink({ table: 2 });
      for (let i = 0; i < 200 && !errors.some((e) => /sink timer failed/.test(e)); i++) await new Promise((r) => setTimeout(r, 10));
      expect(errors.some((e) => /sink timer failed/.test(e))).toBe(true);
      expect(c.stats().workerRestarts).toBe(0); // not before the backoff
      for (let i = 0; i < 1000 && c.stats().workerRestarts === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(c.stats().workerRestarts).toBe(1);
      expect(restarts).toEqual([1]);
      expect(c.stats().receivePath).toBe(receive);
      const dgs = loadFixture('softflowd-ipfix');
      await feed(a.port, dgs);
      const want = (() => { let n = 0; const d = new FlowDecoder(); for (const g of dgs) n += d.decode(g, '127.0.0.1', { flow: () => {} }); return n; })();
      for (let i = 0; i < 500 && c.stats().records < want; i++) await new Promise((r) => setTimeout(r, 20));
      await c.stop();
      expect(c.stats().records).toBe(want);
      // the restarted sink got the last table only (its options carry the first one)
      expect(echoes.slice(echoesAtRestart)).toEqual([{ echo: { table: 2 } }, { closed: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() during the backoff cancels the restart', async () => {
    const c = createFlowCollector(
      { listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, sinkOptions: { crashAfterMs: 20 }, receive, restartDelayMs: 300 },
      null,
      { onError: () => {} },
    );
    collectors.push(c);
    await c.start();
    await new Promise((r) => setTimeout(r, 150));
    await c.stop();
    await new Promise((r) => setTimeout(r, 400));
    expect(c.stats().workerRestarts).toBe(0);
  });
});

describe('native receive path', () => {
  it.skipIf(!nativeBuilt)('counts kernel drops per socket when the receive buffer overflows', async () => {
    // a tiny buffer and a worker busy in a slow sink: the kernel must drop, and say so
    const c = createFlowCollector(
      { listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, sinkOptions: { slowMs: 100 }, receive: 'native', recvBufferSize: 4096, forceRecvBuffer: false },
      null,
    );
    collectors.push(c);
    const [a] = await c.start();
    const dgs = loadFixture('softflowd-ipfix');
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < 20; i++) for (const d of dgs) s.send(d, a.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 500));
    s.close();
    await c.stop();
    const st = c.stats();
    expect(st.kernelDrops).toBeGreaterThan(0);
    expect(st.datagrams + st.kernelDrops).toBe(20 * dgs.length);
  });

  it.skipIf(!nativeBuilt)('a decode worker that dies releases its sockets, reports it, and stop() still returns', async () => {
    const errors: string[] = [];
    const c = createFlowCollector(
      { listen: [{ host: '127.0.0.1', port: 0 }], decodeThreads: 1, sinkModule, sinkOptions: { crashAfterMs: 100 }, receive: 'native' },
      null,
      { onError: (err) => errors.push(err instanceof Error ? err.message : String(err)) },
    );
    collectors.push(c);
    const [a] = await c.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(errors.some((e) => /exited; its sockets are closed/.test(e))).toBe(true);
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(a.port, '127.0.0.1', () => resolve()); // the port is free again
    });
    s.close();
    await c.stop();
  });
});
