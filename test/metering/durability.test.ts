// A real `bandex serve` killed with SIGKILL while its bins are still open: with the checkpoint
// (metering.checkpointSeconds) the restarted server still has every byte that was checkpointed;
// without it (checkpointSeconds 0, the old behaviour) those bytes are gone — which is what the
// checkpoint is for, and shows the first half of the test can fail.
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { encodeNetflow5 } from '../../src/flow/index.ts';
import { spawnServe, type Served } from '../support/serve.ts';

const TOKEN = 'bxf-admin-token-0123456789abcdef';
const running: Served[] = [];
afterAll(async () => {
  // (the ones killed with kill9 are gone already)
  for (const s of running) await s.stop('SIGKILL').catch(() => null);
});

async function start(env: Record<string, string>, dataDir?: string): Promise<Served> {
  const s = await spawnServe({ args: ['--flow-listen', '127.0.0.1:0', '--admin-token', TOKEN], env, ...(dataDir ? { dataDir } : {}) });
  running.push(s);
  return s;
}

async function api(s: Served, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers
  const r = await fetch(`${s.url}${path}`, {
    method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json() };
}

/** A member with a port fed by exporter 127.0.0.1 ifIndex 7 (sender) and another on ifIndex 8. */
async function ports(s: Served, tag: string): Promise<{ a: string; b: string }> {
  const ids: string[] = [];
  for (const [i, name] of ['a', 'b'].entries()) {
    const m = await api(s, 'POST', '/v1/members', { name: `${tag}-${name}`, asn: 64_600 + i });
    expect(m.status).toBe(201);
    const p = await api(s, 'POST', '/v1/ports', {
      memberId: m.body.id, name: `${tag}-${name}-p`, capacityMbps: 1000, routerIps: [`203.0.113.${10 + i}`], flowSources: [{ exporter: '127.0.0.1', ifIndex: 7 + i }],
    });
    expect(p.status).toBe(201);
    ids.push(p.body.id);
  }
  await new Promise((r) => setTimeout(r, 200)); // the decode worker's copy of the port table follows within 50 ms
  return { a: ids[0], b: ids[1] };
}

/** Sends NetFlow v5 flows (ifIndex 7 → 8) that ended a moment ago; returns their bytes. */
async function sendFlows(s: Served): Promise<number> {
  const addr = (await api(s, 'GET', '/v1/flow/exporters')).body.collector.addresses[0] as string;
  const port = Number(addr.split(':')[1]);
  const now = Date.now();
  let bytes = 0;
  const sock = dgram.createSocket('udp4');
  for (let seq = 0; seq < 10; seq++) {
    const records = Array.from({ length: 20 }, (_, i) => {
      const b = 1000 + seq * 20 + i;
      bytes += b;
      return { src: '10.0.0.1', dst: `198.51.100.${i}`, input: 7, output: 8, packets: 2, bytes: b, first: 99_000, last: 99_500, srcPort: 40000, dstPort: 443, protocol: 6 };
    });
    const d = encodeNetflow5({ sysUptime: 100_000, unixSecs: Math.floor(now / 1000), sequence: seq * 20, records });
    await new Promise<void>((r) => sock.send(d, port, '127.0.0.1', () => r()));
  }
  sock.close();
  return bytes;
}

async function outBytes(s: Served, portId: string): Promise<number> {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const r = await api(s, 'GET', `/v1/ports/${portId}/traffic?from=${from}&to=${to}&step=7200`);
  expect(r.status).toBe(200);
  return r.body.totals.outBytes as number;
}

async function until(f: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('kill -9 of serve with open bins: the checkpoint brings them back; without it they are lost', async () => {
  for (const checkpointSeconds of [1, 0]) {
    const env = { BANDEX_METERING_CHECKPOINT_SECONDS: String(checkpointSeconds) };
    const first = await start(env);
    const { a, b } = await ports(first, `cp${checkpointSeconds}`);
    const sent = await sendFlows(first);
    await until(async () => (await outBytes(first, a)) === sent); // live view: worker deltas arrived
    const file = join(first.dataDir, 'bandex.sqlite.metering-open.json');
    if (checkpointSeconds > 0) {
      // the checkpoint holds them (bins close only after 5 min + 60 s, so nothing was stored yet)
      await until(() => existsSync(file) && readFileSync(file, 'utf8').includes(`"outBytes":${sent}`));
    } else {
      await new Promise((r) => setTimeout(r, 1500));
      expect(existsSync(file)).toBe(false);
    }
    await first.kill9();
    const second = await start(env, first.dataDir);
    const want = checkpointSeconds > 0 ? sent : 0;
    expect(await outBytes(second, a)).toBe(want);
    const bIn = await api(second, 'GET', `/v1/ports/${b}/traffic?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}&step=7200`);
    expect(bIn.body.totals.inBytes).toBe(want);
    // a clean stop stores everything and leaves no checkpoint behind
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(existsSync(file)).toBe(false);
  }
}, 120_000);
