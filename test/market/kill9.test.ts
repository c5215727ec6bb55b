/**
 * Durability of the market under kill -9: a real `bandex serve` child takes a stream of crossing
 * orders, is killed with SIGKILL while orders are in flight, and restarted on the same database.
 * Every order and trade that was acknowledged must be there, with fills that add up, and the
 * rebuilt book must keep matching. On SQLite and PostgreSQL; the CLI is checked on the restart.
 */
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '../support/postgres.ts';
import { BIN, spawnServe, type Served } from '../support/serve.ts';

const ADMIN = 'bdx_market_k9_admin_0123456789abcdef';

async function api(s: { url: string }, token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked by the caller
  return { status: r.status, body: (await r.json()) as any };
}

async function all(s: Served, token: string, path: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let after = '';
  do {
    const r = await api(s, token, 'GET', `${path}?limit=1000${after ? `&after=${after}` : ''}`);
    expect(r.status).toBe(200);
    out.push(...r.body.items);
    after = r.body.next ?? '';
  } while (after);
  return out;
}

async function setup(s: Served) {
  const members: Array<{ id: string; token: string; port: string }> = [];
  for (const [i, name] of ['seller', 'buyer'].entries()) {
    const m = await api(s, ADMIN, 'POST', '/v1/members', { name: `k9-${name}-${Date.now()}`, asns: [65010 + i] });
    const k = await api(s, ADMIN, 'POST', `/v1/members/${m.body.id}/keys`, { label: 'k9' });
    const p = await api(s, ADMIN, 'POST', '/v1/ports', { memberId: m.body.id, name: `k9-${i}`, capacityMbps: 10_000_000, routerIps: [`192.0.2.${10 + i}`] });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    members.push({ id: m.body.id, token: k.body.token, port: p.body.id });
  }
  return members;
}

/** Crossing order flow with `inflight` requests at a time; records what was acknowledged. */
function flow(s: Served, members: Array<{ id: string; token: string; port: string }>, inflight: number) {
  const orders: string[] = [];
  const trades: string[] = [];
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const i = n++;
      const sell = i % 2 === 0;
      const m = members[sell ? 0 : 1];
      try {
        const r = await api(s, m.token, 'POST', '/v1/orders', {
          side: sell ? 'sell' : 'buy',
          destination: i % 3 === 0 ? '203.0.113.0/24' : '203.0.112.0/23',
          prefixType: 'transit',
          capacityMbps: 100 * (1 + (i % 5)),
          minBlockMbps: 100,
          price: (1 + ((i * 7) % 11) / 100).toFixed(2),
          start: '2027-01-01T00:00:00Z',
          end: '2027-02-01T00:00:00Z',
          portId: m.port,
          clientOrderId: `k9-${i}`,
        });
        if (r.status === 201) {
          orders.push(r.body.id);
          for (const t of r.body.trades) trades.push(t.id);
        }
      } catch {
        return; // the server died under us: this order was never acknowledged
      }
    }
  };
  const workers = Array.from({ length: inflight }, worker);
  return {
    orders,
    trades,
    async until(count: number) {
      while (orders.length < count) await new Promise((r) => setTimeout(r, 10));
    },
    stop: () => ((running = false), Promise.all(workers)),
  };
}

async function verify(s: Served, members: Array<{ id: string; token: string }>, acked: { orders: string[]; trades: string[] }) {
  const orders = new Map<string, Record<string, unknown>>();
  const trades = new Map<string, Record<string, unknown>>();
  for (const m of members) {
    for (const o of await all(s, m.token, '/v1/orders')) orders.set(o.id as string, o);
    for (const t of await all(s, m.token, '/v1/trades')) trades.set(t.id as string, t);
  }
  expect(acked.orders.filter((id) => !orders.has(id))).toEqual([]);
  expect(acked.trades.filter((id) => !trades.has(id))).toEqual([]);
  // Fills add up: every buy's filled Mbps is the sum of its trades.
  const bought = new Map<string, number>();
  for (const t of trades.values()) bought.set(t.buyOrderId as string, (bought.get(t.buyOrderId as string) ?? 0) + (t.capacityMbps as number));
  for (const o of orders.values()) if (o.side === 'buy') expect(o.filledMbps).toBe(bought.get(o.id as string) ?? 0);
  return { orders, trades };
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('market durability under kill -9 (bandex serve child)', () => {
  const dbs: TempDatabase[] = [];
  const served: Served[] = [];
  afterAll(async () => {
    for (const s of served) await s.stop('SIGKILL').catch(() => undefined);
    for (const d of dbs) await d.drop();
  });

  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`${dialect}: no acknowledged order or trade is lost, and the rebuilt book keeps matching`, async () => {
      let args = ['--admin-token', ADMIN];
      let spawnOpts: Parameters<typeof spawnServe>[0] = { args };
      if (dialect === 'postgres') {
        const d = await createTempDatabase('bandex_t_market');
        dbs.push(d);
        args = ['--database', d.url, '--admin-token', ADMIN];
        spawnOpts = { args, noDataDir: true };
      }
      const s1 = await spawnServe(spawnOpts);
      served.push(s1);
      const members = await setup(s1);
      const f = flow(s1, members, 48);
      await f.until(400);
      await s1.kill9(); // with up to 48 orders in flight
      await f.stop();
      expect(f.trades.length).toBeGreaterThan(50);

      const s2 = await spawnServe(dialect === 'sqlite' ? { args, dataDir: s1.dataDir } : spawnOpts);
      served.push(s2);
      const before = await verify(s2, members, f);

      // The rebuilt book still matches: a large buy takes what the sellers left.
      const book = await api(s2, members[1].token, 'GET', '/v1/book?destination=203.0.112.0/23');
      const asks = book.body.asks as Array<{ price: string; mbps: number }>;
      expect(asks.length).toBeGreaterThan(0);
      const best = asks[0];
      const env = { BANDEX_URL: s2.url, BANDEX_TOKEN: members[1].token };
      const add = await cli(
        ['--json', 'order', 'add', '--side', 'buy', '--destination', '203.0.112.0/23', '--prefix-type', 'transit', '--capacity', '100',
          '--min-block', '100', '--price', best.price, '--tif', 'IOC', '--start', '2027-01-01T00:00:00Z', '--end', '2027-02-01T00:00:00Z', '--port', members[1].port],
        env,
      );
      expect(add.code, add.stderr).toBe(0);
      const placed = JSON.parse(add.stdout);
      expect(placed.trades).toHaveLength(1);
      expect(placed.trades[0].price).toBe(best.price);
      if (dialect === 'sqlite') {
        const tr = await cli(['--json', 'trades'], env);
        expect((JSON.parse(tr.stdout) as unknown[]).length).toBe(before.trades.size + 1);
        const bad = await cli(['order', 'cancel', 'ord_missing'], env);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/^error: MARKET_ORDER_NOT_FOUND: /);
      }
      await s2.stop('SIGTERM');
    }, 180_000);
  }
});
