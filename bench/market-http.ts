/**
 * Figure (d) of `npm run bench:market`: order entry over HTTP against a `bandex serve` child, with
 * autocannon (64 connections), beside the floor of this machine measured in the same run:
 *  - bare node:http  — a child that reads the same JSON body, parses it and answers 201 with a
 *    body of the same size as ours: what HTTP/1.1 + JSON costs with nothing else;
 *  - bare Fastify    — the same, as a Fastify route (default JSON parser and serializer);
 *  - GET /v1/book    — the same `bandex serve`, a public read (no journal);
 *  - a refused order — the same POST with end = start: auth, body parse, TypeBox, hooks, the
 *    market's checks and the error answer, but no book and no journal (the API stack's cost);
 *  - synchronous=NORMAL — a second `bandex serve` whose SQLite does not fsync at all (safe
 *    against kill -9, not against power loss): how much the figure's WAL fsync (the default
 *    `pipelined` mode: fdatasync on the thread pool before the answer) still costs.
 * Every server is its own process (like `bandex serve`), so autocannon and the server share the
 * cores the same way for each line. Each line also gives the server's CPU time per request
 * (/proc/PID/stat), which is far less noisy than req/s on shared cores.
 * Figures are measured without pipelining (one request in flight per connection: what a client
 * that waits for its answer sees) AND with HTTP/1.1 pipelining (`--pipelining N`, default 10),
 * both labelled: pipelining takes most of the client's per-request cost out of the measurement,
 * but it is not how API clients behave, so the goal is judged on the un-pipelined figure.
 *
 * Options (after `--only d`): --http-duration S (default 10), --pipelining N (0 or 1: skip those
 * runs), --fsync-ref off (skip the synchronous=NORMAL server), --ac-workers N (autocannon's own
 * worker threads; default none). `BX_SERVE_NODE_ARGS='--cpu-prof'` passes node flags to the
 * `bandex serve` children.
 *
 * This file is also the floor servers' entry point: `node --import tsx bench/market-http.ts --floor http|fastify`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Figure } from './figures.ts';

const ADMIN = 'bdx_bench_admin_0123456789abcdef0123';

interface AcResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

const argOf = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** The answer the floor servers give: the size of our POST /v1/orders answer (about 700 bytes). */
function floorAnswer(body: Record<string, unknown>) {
  return {
    id: 'ord_00000000000000000000000000', memberId: 'mem_0000000000000000000000', clientOrderId: null, ...body, protocol: 'ipv4', trafficType: 'any',
    minBlockMbps: 1, orderType: 'limit', timeInForce: 'GTC', expiresAt: null, priceGuard: null, quality: {}, ranking: 'price', weights: null,
    status: 'open', filledMbps: 0, remainingMbps: 100, createdAt: '2026-11-22T00:00:00.000Z', updatedAt: '2026-11-22T00:00:00.000Z', seq: 1, trades: [],
  };
}

async function floorServer(kind: string): Promise<void> {
  let port: number;
  if (kind === 'http') {
    const server = createServer((req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        const out = JSON.stringify(floorAnswer(body));
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) }).end(out);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  } else {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.post('/v1/orders', async (req, reply) => reply.code(201).send(floorAnswer(req.body as Record<string, unknown>)));
    port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
  }
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
}

/** CPU time (user + system, ms) the process has used so far: /proc/PID/stat, in clock ticks of 10 ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Starts a server child and resolves with its URL (the line `listening on http://…`). */
async function start(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (c) => rej(new Error(`${args.join(' ')} exited ${c}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs figure (d) and hands each figure to `report` (bench/market.ts prints and stores them). */
export async function marketHttp(report: (f: Figure) => void): Promise<void> {
  const acName = 'autocannon'; // untyped package: imported by name
  const autocannon = ((await import(acName)) as { default: (o: unknown) => unknown }).default;
  const duration = Number(argOf('--http-duration') ?? 10);
  const pipelining = Number(argOf('--pipelining') ?? 10);
  const acWorkers = Number(argOf('--ac-workers') ?? 0);
  // Each run also measures the server's own CPU time per request: far less noisy than req/s on
  // shared cores, and it says what the server costs apart from the client's share of the cores.
  const cpuPerReq = new WeakMap<AcResult, number>();
  // And, on a bandex server, how the journal grouped the run's commands: group commits and WAL
  // fsyncs (from /metrics), which is what the per-request cost of a durable answer depends on.
  const groups = new WeakMap<AcResult, { commits: number; syncs: number; syncMs: number }>();
  const journalTotals = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    const value = (name: string) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2] ?? 0);
    return { commits: value('bandex_journal_commits_total'), syncs: value('bandex_journal_wal_sync_seconds_count'), syncMs: 1000 * value('bandex_journal_wal_sync_seconds_sum') };
  };
  const run = async (url: string, opts: Record<string, unknown>, pid?: number, bandex = false) => {
    const c0 = pid === undefined ? 0 : cpuMs(pid);
    const j0 = bandex ? await journalTotals(url) : undefined;
    const r = (await autocannon({ url, connections: 64, duration, ...(acWorkers > 0 ? { workers: acWorkers } : {}), ...opts } as never)) as AcResult;
    if (pid !== undefined && r.requests.total > 0) cpuPerReq.set(r, (1000 * (cpuMs(pid) - c0)) / r.requests.total);
    if (j0) {
      const j1 = await journalTotals(url);
      groups.set(r, { commits: j1.commits - j0.commits, syncs: j1.syncs - j0.syncs, syncMs: j1.syncMs - j0.syncMs });
    }
    return r;
  };
  const line = (label: string, r: AcResult) => {
    const g = groups.get(r);
    const journal = g && g.commits > 0 ? `  ${Math.round(r.requests.total / g.commits)} req/commit, ${g.syncs} fsyncs of ${(g.syncMs / Math.max(g.syncs, 1)).toFixed(2)} ms` : '';
    console.log(
      `    ${label.padEnd(52)} ${Math.round(r.requests.average).toLocaleString('en').padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  server CPU ${cpuPerReq.get(r)?.toFixed(0) ?? '-'} µs/req  non-2xx ${r.non2xx}  errors ${r.errors}${journal}`,
    );
  };

  // 1 Mbps orders: each trade reserves both ports for January, and at 100 Mbps the crossing runs
  // filled the ports (10 Tbit/s, the registry's maximum) within ~100k trades, after which the
  // "crossing" orders could no longer trade and only rested.
  const orderBody = (side: 'buy' | 'sell', price: string, portId: string) =>
    JSON.stringify({ side, destination: '203.0.113.0/24', prefixType: 'transit', capacityMbps: 1, price, start: '2027-01-01T00:00:00Z', end: '2027-02-01T00:00:00Z', portId });

  // ---- the floor: bare node:http and bare Fastify, same body, same answer size --------------
  const floor: Record<string, { plain: AcResult; piped?: AcResult }> = {};
  const self = fileURLToPath(import.meta.url);
  for (const kind of ['http', 'fastify']) {
    const { child, url } = await start(['--import', 'tsx', self, '--floor', kind]);
    try {
      const req = { method: 'POST', path: '/v1/orders', headers: { authorization: 'Bearer bdx_x', 'content-type': 'application/json' }, body: orderBody('buy', '0.90', 'prt_x') };
      await run(url, { duration: 2, requests: [req] });
      const plain = await run(url, { requests: [req] }, child.pid);
      line(`bare ${kind === 'http' ? 'node:http' : 'Fastify'} POST`, plain);
      const piped = pipelining > 1 ? await run(url, { requests: [req], pipelining }, child.pid) : undefined;
      if (piped) line(`bare ${kind === 'http' ? 'node:http' : 'Fastify'} POST, pipelining ${pipelining}`, piped);
      floor[kind] = { plain, ...(piped ? { piped } : {}) };
    } finally {
      await stop(child);
    }
  }

  // ---- bandex serve -------------------------------------------------------------------------
  /** A `bandex serve` child on a fresh SQLite directory, with two members, their keys and ports. */
  const serve = async (extra: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-bench-http-'));
    const admin = ADMIN;
    const { child, url } = await start(
      ['--max-semi-space-size=64', ...(process.env.BX_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), resolve(import.meta.dirname, '../bin/bandex.js'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', dir, '--admin-token', admin, ...extra],
      { ...process.env, BANDEX_LOG_LEVEL: 'warn' },
    ).catch((e: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    });
    const close = async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      const call = async (token: string, method: string, path: string, body?: unknown) => {
        const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return (await r.json()) as Record<string, string>;
      };
      const ms: Array<{ token: string; port: string }> = [];
      for (let i = 0; i < 2; i++) {
        const m = await call(admin, 'POST', '/v1/members', { name: `http-bench-${i}`, asns: [65200 + i] });
        const k = await call(admin, 'POST', `/v1/members/${m.id}/keys`, { label: 'bench' });
        const p = await call(admin, 'POST', '/v1/ports', { memberId: m.id, name: `h${i}`, capacityMbps: 10_000_000, routerIps: [`192.0.2.${40 + i}`] });
        ms.push({ token: k.token!, port: p.id! });
      }
      const post = (i: number, price: string) => ({
        method: 'POST' as const,
        path: '/v1/orders',
        headers: { authorization: `Bearer ${ms[i]!.token}`, 'content-type': 'application/json' },
        body: orderBody(i === 0 ? 'sell' : 'buy', price, ms[i]!.port),
      });
      // Resting orders (sells at 1.10, buys at 0.90: none trades); the crossing flow (sells at
      // 0.90, buys at 1.10: every order trades — matching, trades, port reservations).
      // Refused by the market's own validation (end = start): the whole API stack (auth, body
      // parse, TypeBox, hooks, error answer) and the order checks, but no book and no journal.
      const refused = [0, 1].map((i) => ({ ...post(i, '1.00'), body: orderBody(i === 0 ? 'sell' : 'buy', '1.00', ms[i]!.port).replace('2027-02-01T00:00:00Z', '2027-01-01T00:00:00Z') }));
      return { child, url, close, resting: [post(0, '1.10'), post(1, '0.90')], crossing: [post(0, '0.90'), post(1, '1.10')], refused };
    } catch (e) {
      await close();
      throw e;
    }
  };

  // Where the time goes, part 1: the same server with SQLite's synchronous=NORMAL and no WAL
  // fsync at all; still safe against kill -9, not against power loss) — NOT the figure, a reference.
  let nosync: { r: AcResult; x: AcResult } | undefined;
  if (argOf('--fsync-ref') !== 'off') {
    const s = await serve(['--set', 'store.sqliteSynchronous=normal']);
    try {
      await run(s.url, { duration: 2, requests: s.resting });
      const r = await run(s.url, { requests: s.resting }, s.child.pid, true);
      line('bandex POST (resting), sqlite synchronous=NORMAL', r);
      const x = await run(s.url, { requests: s.crossing }, s.child.pid, true);
      line('bandex POST (crossing), sqlite synchronous=NORMAL', x);
      nosync = { r, x };
    } finally {
      await s.close();
    }
  }

  const { child, url, close, resting, crossing, refused } = await serve([]);
  try {
    const book = [{ method: 'GET', path: '/v1/book?destination=203.0.113.0/24' }];
    const probe = await fetch(url + refused[0]!.path, { method: 'POST', headers: refused[0]!.headers, body: refused[0]!.body });
    const refusedStatus = probe.status;
    await probe.text();
    await run(url, { duration: 2, requests: resting });
    const r = await run(url, { requests: resting }, child.pid, true);
    line('bandex POST /v1/orders (resting)', r);
    const ref = await run(url, { requests: book }, child.pid);
    line('bandex GET /v1/book', ref);
    const x = await run(url, { requests: crossing }, child.pid, true);
    line('bandex POST /v1/orders (crossing)', x);
    const no = await run(url, { requests: refused }, child.pid);
    line(`bandex POST /v1/orders refused (${refusedStatus}), no journal`, no);
    const rp = pipelining > 1 ? await run(url, { requests: resting, pipelining }, child.pid) : undefined;
    if (rp) line(`bandex POST /v1/orders (resting), pipelining ${pipelining}`, rp);
    const xp = pipelining > 1 ? await run(url, { requests: crossing, pipelining }, child.pid) : undefined;
    if (xp) line(`bandex POST /v1/orders (crossing), pipelining ${pipelining}`, xp);

    const ok = (a: AcResult) => a.non2xx === 0 && a.errors === 0;
    const bare = floor.http!.plain;
    report({ name: '(d) HTTP order entry (resting), 64 conns', value: r.requests.average, unit: 'orders/s', reference: 'GET /v1/book, same server', referenceValue: ref.requests.average, goal: '≥ 15k/s', met: r.requests.average >= 15_000 && ok(r) });
    report({ name: '(d) HTTP order entry p99', value: r.latency.p99, unit: 'ms', reference: 'GET /v1/book p99', referenceValue: ref.latency.p99, goal: '< 20 ms', met: r.latency.p99 < 20 });
    report({ name: '(d) HTTP order entry (crossing), 64 conns', value: x.requests.average, unit: 'orders/s', reference: 'GET /v1/book, same server', referenceValue: ref.requests.average, goal: '≥ 15k/s', met: x.requests.average >= 15_000 && ok(x) });
    report({ name: '(d) HTTP order entry (crossing) p99', value: x.latency.p99, unit: 'ms', reference: 'GET /v1/book p99', referenceValue: ref.latency.p99, goal: '< 20 ms', met: x.latency.p99 < 20 });
    // The floor of this machine: the same POST against servers that do nothing but HTTP + JSON.
    report({ name: '(d) floor: bare node:http POST, 64 conns', value: bare.requests.average, unit: 'req/s', reference: 'bare Fastify POST', referenceValue: floor.fastify!.plain.requests.average, goal: 'reported (ceiling of this machine)', met: true });
    report({ name: '(d) floor: bare node:http POST p99', value: bare.latency.p99, unit: 'ms', reference: 'bare Fastify POST p99', referenceValue: floor.fastify!.plain.latency.p99, goal: 'reported', met: true });
    const cpu = (a: AcResult | undefined) => (a && cpuPerReq.get(a)) ?? 0;
    report({ name: '(d) server CPU per order (resting)', value: cpu(r), unit: 'µs', reference: 'bare node:http POST', referenceValue: cpu(bare), goal: 'reported', met: true });
    report({ name: '(d) server CPU per order (crossing)', value: cpu(x), unit: 'µs', reference: 'bare Fastify POST', referenceValue: cpu(floor.fastify!.plain), goal: 'reported', met: true });
    report({ name: '(d) server CPU per order refused by the market (no journal)', value: cpu(no), unit: 'µs', reference: 'GET /v1/book, same server', referenceValue: cpu(ref), goal: 'reported (API stack cost)', met: true });
    report({ name: '(d) HTTP orders refused by the market (no journal), 64 conns', value: no.requests.average, unit: 'req/s', reference: 'bare Fastify POST', referenceValue: floor.fastify!.plain.requests.average, goal: 'reported (API stack cost)', met: true });
    if (nosync) {
      report({ name: '(d) order entry (resting), sqlite synchronous=NORMAL', value: nosync.r.requests.average, unit: 'orders/s', reference: 'pipelined WAL fsync (the figure)', referenceValue: r.requests.average, goal: 'reported (fsync share)', met: true });
      report({ name: '(d) order entry (crossing), sqlite synchronous=NORMAL', value: nosync.x.requests.average, unit: 'orders/s', reference: 'pipelined WAL fsync (the figure)', referenceValue: x.requests.average, goal: 'reported (fsync share)', met: true });
    }
    report({ name: '(d) order entry (resting) share of bare node:http', value: r.requests.average / bare.requests.average, unit: 'ratio', reference: 'bare node:http POST', referenceValue: 1, goal: 'reported', met: true });
    if (rp && xp && floor.http!.piped) {
      const bp = floor.http!.piped;
      report({ name: `(d) HTTP order entry (resting), pipelining ${pipelining}`, value: rp.requests.average, unit: 'orders/s', reference: `bare node:http POST, pipelining ${pipelining}`, referenceValue: bp.requests.average, goal: '≥ 15k/s (pipelined)', met: rp.requests.average >= 15_000 && ok(rp) });
      report({ name: `(d) HTTP order entry (resting) p99, pipelining ${pipelining}`, value: rp.latency.p99, unit: 'ms', reference: `bare node:http POST p99, pipelining ${pipelining}`, referenceValue: bp.latency.p99, goal: 'reported (per pipelined batch)', met: true });
      report({ name: `(d) HTTP order entry (crossing), pipelining ${pipelining}`, value: xp.requests.average, unit: 'orders/s', reference: `bare node:http POST, pipelining ${pipelining}`, referenceValue: bp.requests.average, goal: '≥ 15k/s (pipelined)', met: xp.requests.average >= 15_000 && ok(xp) });
    }
  } finally {
    await close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href && process.argv[2] === '--floor') {
  await floorServer(process.argv[3] ?? 'http');
}
