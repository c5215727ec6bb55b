/**
 * End to end with real processes: `bandex serve`, `bandex probe-responder` (delay 10 ms, 25 %
 * loss) and `bandex probe-agent`, which leases the UDP job the admin scheduled for the agent's
 * provider, probes the responder and reports; the exchange then shows the injected figures as
 * verified quality of that provider.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, spawnServe, type Served } from '../support/serve.ts';

const ADMIN = 'bdx_quality_e2e_admin_token_0123456789';
const children: ChildProcess[] = [];
let served: Served | undefined;

function cli(args: string[]): { child: ChildProcess; line: (re: RegExp) => Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BANDEX_LOG_LEVEL: 'warn' } });
  children.push(child);
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.filter((x) => x.re.test(l))) w.resolve(l);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return {
    child,
    exit,
    line: (re) =>
      new Promise((resolve, reject) => {
        const hit = lines.find((l) => re.test(l));
        if (hit) return resolve(hit);
        waiters.push({ re, resolve });
        void exit.then((c) => reject(new Error(`exited ${String(c)}: ${err}`)));
        setTimeout(() => reject(new Error(`no line ${String(re)}; stderr: ${err}`)), 60_000).unref();
      }),
  };
}

async function api(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(served!.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  await served?.stop();
});

describe('probe agent end to end (real processes)', () => {
  it('leases, probes the delaying/dropping responder, and the exchange files verified figures', async () => {
    const responder = cli(['probe-responder', '--listen', '127.0.3.4:0', '--delay-ms', '10', '--drop-rate', '0.25']);
    served = await spawnServe({ args: ['--admin-token', ADMIN], timeoutMs: 60_000 });
    const port = Number(/:(\d+)$/.exec(await responder.line(/listening on/))![1]);

    const member = await api('POST', '/v1/members', ADMIN, { name: `quality-e2e-${process.pid}`, asns: [64999] });
    expect(member.status).toBe(201);
    const provider = member.body.id as string;
    const agent = await api('POST', '/v1/quality/agents', ADMIN, { provider });
    expect(agent.status).toBe(201);
    const target = await api('POST', '/v1/quality/targets', ADMIN, {
      provider,
      destination: '127.0.3.0/24',
      target: '127.0.3.4',
      method: 'udp',
      port,
      count: 20,
      lane: `agent:${provider}`,
    });
    expect(target.status).toBe(201);

    const a = cli(['probe-agent', '--url', served.url, '--token', agent.body.token, '--poll-ms', '200', '--packet-interval-ms', '5', '--packet-timeout-ms', '500']);
    // Meanwhile the CLI equivalent of POST /v1/quality/measurements: import a CSV file.
    const dir = mkdtempSync(join(tmpdir(), 'bxq-cli-'));
    const csv = join(dir, 'm.csv');
    writeFileSync(csv, `time,provider,destination,target,sent,rtts\n${new Date().toISOString()},${provider},192.0.2.0/24,192.0.2.1,4,7;8;*;9\n`);
    const imp = cli(['quality', 'import', '--url', served.url, '--token', ADMIN, '--format', 'csv', '--file', csv, '--source', 'csv:partner']);
    await a.line(/probe agent polling/);
    expect(await imp.line(/stored 1 measurements/)).toBeTruthy();

    let q: { status: number; body: { lookup: { samples: number } | null; series: Array<{ sources: Record<string, number> }> } } | undefined;
    // Generous: on a loaded 2-core machine the agent's tsx start alone can take many seconds.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      q = await api('GET', `/v1/quality?provider=${provider}&destination=127.0.3.0/24`, ADMIN);
      if ((q.body.lookup?.samples ?? 0) >= 20) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const lookup = q!.body.lookup as unknown as { verified: boolean; samples: number; lossPct: number; latencyMs: number };
    expect(lookup.verified).toBe(true);
    expect(lookup.samples).toBe(20);
    expect(lookup.lossPct).toBe(25); // spread dropping: exactly 5 of 20
    expect(lookup.latencyMs).toBeGreaterThanOrEqual(9);
    expect(lookup.latencyMs).toBeLessThan(60); // precise tolerances: probers and netns tests; here the whole chain
    expect(q!.body.series[0].sources).toEqual({ [`agent:${agent.body.id}`]: 1 });

    // The CLI equivalent of GET /v1/quality, as JSON.
    const show = cli(['quality', 'show', '--url', served.url, '--token', ADMIN, '--provider', provider, '--destination', '192.0.2.0/24', '--json']);
    const out: string[] = [];
    show.child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    expect(await show.exit).toBe(0);
    const shown = JSON.parse(out.join(''));
    expect(shown.lookup).toMatchObject({ verified: true, samples: 4, lossPct: 25, latencyMs: 8 });
    rmSync(dir, { recursive: true, force: true });

    a.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);
    expect(await a.line(/probe agent stopped/)).toMatch(/reported [1-9]/);
    responder.child.kill('SIGTERM');
    expect(await responder.exit).toBe(0);
  }, 150_000);
});
