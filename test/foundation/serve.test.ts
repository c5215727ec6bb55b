/**
 * The real `bandex serve` process and the real `bandex` CLI: acknowledged writes survive kill -9
 * (SQLite and PostgreSQL), the first start prints an admin key once, SIGTERM under load finishes
 * in-flight requests and exits 0, and the CLI commands work against a served instance.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '../support/postgres.ts';
import { BIN, killAllServed, spawnServe, type Served } from '../support/serve.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers
async function post(s: Served, path: string, body: unknown, token = s.adminToken): Promise<{ status: number; body: any }> {
  const r = await fetch(s.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/** Fires writes continuously (64 in flight) until stopped; collects the acknowledged ids. */
function writer(s: Served, tag: string) {
  const acked: string[] = [];
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const i = n++;
      try {
        const r = await post(s, '/v1/members', { name: `${tag}-${i}`, asns: [100000 + i] });
        if (r.status === 201) acked.push(r.body.id);
      } catch {
        return; // the connection was cut: not acknowledged
      }
    }
  };
  const workers = Array.from({ length: 64 }, worker);
  return {
    acked,
    until: async (count: number) => {
      while (acked.length < count) await new Promise((r) => setTimeout(r, 10));
    },
    stop: () => ((running = false), Promise.all(workers)),
  };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('bandex serve and the CLI (child processes)', () => {
  const dbs: TempDatabase[] = [];
  afterAll(async () => {
    killAllServed(); // a failed test must not leave servers running
    for (const d of dbs) await d.drop();
  });

  it('SQLite: first start prints an admin key once; kill -9 loses no acknowledged write; CLI works; SIGTERM exits 0 with nothing lost', async () => {
    const s1 = await spawnServe();
    expect(s1.adminToken).toMatch(/^bdx_/);
    const w1 = writer(s1, 'k9');
    await w1.until(300);
    await s1.kill9(); // with 64 writes in flight
    await w1.stop();

    const envToken = 'bdx_from_env_0123456789abcdef01';
    const s2 = await spawnServe({ dataDir: s1.dataDir, env: { BANDEX_ADMIN_TOKEN: envToken } });
    expect(s2.stdout()).not.toContain('admin key');
    s2.adminToken = envToken;
    const listed = new Set<string>();
    let after = '';
    do {
      const r = await fetch(`${s2.url}/v1/members?limit=500${after ? `&after=${after}` : ''}`, { headers: { authorization: `Bearer ${s1.adminToken}` } });
      expect(r.status).toBe(200); // the key printed at the first start still works
      const page = (await r.json()) as { items: { id: string }[]; next: string | null };
      page.items.forEach((m) => listed.add(m.id));
      after = page.next ?? '';
    } while (after);
    expect(w1.acked.filter((id) => !listed.has(id))).toEqual([]);

    // The CLI against the served instance: tables, --json, one-line errors with exit codes.
    const env = { BANDEX_URL: s2.url, BANDEX_TOKEN: envToken };
    const add = await cli(['member', 'add', '--name', 'Cli Net', '--asn', '64999', '--role', 'seller', '--email', 'noc@cli.example'], env);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^ID\s+NAME\s+ASNS/);
    expect(add.stdout).toContain('Cli Net');
    const memberId = /(mem_\w+)/.exec(add.stdout)?.[1] as string;
    const [port, bad, list, key] = await Promise.all([
      cli(['port', 'add', '--member', memberId, '--name', 'fra1', '--capacity', '10000', '--router-ip', '192.0.2.50', '--flow-source', '203.0.113.9:12'], env),
      cli(['member', 'add', '--name', 'Bad Net', '--asn', '0'], env),
      cli(['--json', 'member', 'list'], env),
      cli(['key', 'create', '--member', memberId, '--label', 'noc'], env),
    ]);
    expect(port.code, port.stderr).toBe(0);
    expect(port.stdout).toContain('192.0.2.50');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: VALIDATION_FAILED: asns\[0\].*\(field: asns\[0\]\)/);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).some((m) => m.name === 'Cli Net')).toBe(true);
    expect(key.code).toBe(0);
    const token = /token \(shown once\): (bdx_\S+)/.exec(key.stdout)?.[1] as string;
    const ports = await cli(['--url', s2.url, '--token', token, '--json', 'port', 'list'], {});
    expect(ports.code, ports.stderr).toBe(0);
    expect(JSON.parse(ports.stdout)).toMatchObject([{ memberId, name: 'fra1', flowSources: [{ exporter: '203.0.113.9', ifIndex: 12 }] }]);
    const keyId = /(key_\w+)/.exec(key.stdout)?.[1] as string;
    const [show, keys, revoke] = await Promise.all([
      cli(['member', 'show', memberId], env),
      cli(['--json', 'key', 'list', '--member', memberId], env),
      cli(['key', 'revoke', keyId], env),
    ]);
    expect(show.stdout).toContain('noc@cli.example');
    expect((JSON.parse(keys.stdout) as { id: string }[]).map((k) => k.id)).toContain(keyId);
    expect(revoke.code, revoke.stderr).toBe(0);
    const revoked = await cli(['--url', s2.url, '--token', token, 'port', 'list'], {});
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/^error: AUTH_INVALID: /);
    const noAuth = await cli(['member', 'list'], { BANDEX_URL: s2.url });
    expect(noAuth).toMatchObject({ code: 1 });
    expect(noAuth.stderr).toMatch(/^error: AUTH_REQUIRED: /);

    // SIGTERM under load: in-flight requests finish, the journal is flushed, exit code 0.
    const w2 = writer(s2, 'term');
    await w2.until(100);
    const code = await s2.stop('SIGTERM');
    await w2.stop();
    expect(code).toBe(0);
    expect(s2.stdout()).toContain('bandex: stopped');
    const db = new SqliteDatabase(join(s1.dataDir, 'bandex.sqlite'), { readonly: true });
    const stored = new Set(db.prepare('select id from members').all().map((r) => (r as { id: string }).id));
    const events = (db.prepare("select count(*) as n from journal where type = 'MemberCreated'").get() as { n: number }).n;
    db.close();
    expect(w2.acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(events).toBe(stored.size);

    const down = await cli(['member', 'list'], env);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^error: UNREACHABLE: cannot reach/);
  }, 240_000);

  it('PostgreSQL: kill -9 after acknowledged writes loses none of them', async () => {
    const d = await createTempDatabase();
    dbs.push(d);
    const s = await spawnServe({ args: ['--database', d.url, '--admin-token', 'bdx_pg_admin_0123456789abcdef0123'], noDataDir: true });
    const w = writer(s, 'pg');
    await w.until(300);
    await s.kill9();
    await w.stop();
    const c = new pg.Client({ connectionString: d.url });
    await c.connect();
    try {
      const ids = new Set((await c.query<{ id: string }>('select id from members')).rows.map((r) => r.id));
      expect(w.acked.filter((id) => !ids.has(id))).toEqual([]);
      const seqs = (await c.query<{ n: string; m: string }>('select count(*) as n, max(seq) as m from journal')).rows[0];
      expect(Number(seqs?.n)).toBe(Number(seqs?.m)); // gap-free
      // A restarted server continues from there, and SIGINT stops it cleanly.
      const s2 = await spawnServe({ args: ['--database', d.url, '--admin-token', 'bdx_pg_admin_0123456789abcdef0123'], noDataDir: true });
      const h = (await (await fetch(`${s2.url}/healthz`)).json()) as { seq: number };
      expect(h.seq).toBe(Number(seqs?.m));
      expect(await s2.stop('SIGINT')).toBe(0);
    } finally {
      await c.end();
    }
  }, 150_000);

  it('refuses a bad configuration with one clear line and a non-zero exit', async () => {
    const r = await cli(['serve', '--listen', '127.0.0.1:0', '--set', 'api.nosuch=1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: CONFIG_INVALID: api.nosuch: unknown setting');
  }, 60_000);
});
