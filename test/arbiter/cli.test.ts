// `bandex serve --bgp-listen` and the route commands of the CLI against a real server process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, spawnServe, type Served } from '../support/serve.ts';

const exec = promisify(execFile);
let srv: Served;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { env: { ...process.env, BANDEX_URL: srv.url, BANDEX_TOKEN: srv.adminToken } });
    return { ...r, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { stdout: x.stdout, stderr: x.stderr, code: x.code };
  }
}

beforeAll(async () => {
  srv = await spawnServe({ args: ['--bgp-listen', '127.0.4.1:12798', '--set', 'bgp.passive=true', '--admin-token', 'bdx_cli_admin_token_0123456789abcdef'] });
}, 60_000);
afterAll(async () => {
  await srv?.stop('SIGTERM');
});

describe('bandex CLI for the route server', () => {
  it('serves BGP on --bgp-listen, registers prefixes and prints a router configuration', async () => {
    const m = JSON.parse((await cli('member', 'add', '--name', 'seller-cli', '--asn', '65011', '--json')).stdout);
    const p = JSON.parse((await cli('port', 'add', '--member', m.id, '--name', 'p1', '--capacity', '1000', '--router-ip', '127.0.4.9', '--json')).stdout);
    const add = await cli('prefix', 'add', m.id, '100.50.0.0/24', '--description', 'web');
    expect(add.code).toBe(0);
    const bogon = await cli('prefix', 'add', m.id, '10.0.0.0/8');
    expect([bogon.code, bogon.stderr.trim()]).toEqual([1, expect.stringMatching(/^error: ROUTES_PREFIX_NOT_ALLOWED: .*\(field: prefix\)$/)]);
    const bird = await cli('port', 'config', p.id);
    expect(bird.stdout).toContain('neighbor 127.0.4.1 port 12798 as 64999;');
    expect(bird.stdout).toContain('if net ~ [ 100.50.0.0/24 ] then accept;');
    const frr = await cli('port', 'config', p.id, '--format', 'frr');
    expect(frr.stdout).toContain('ip prefix-list BANDEX-OUT-V4-P1 seq 5 permit 100.50.0.0/24');
    // the port's router became a BGP peer of the running route server, without a restart
    const sessions = await cli('sessions', '--json');
    expect(JSON.parse(sessions.stdout)).toMatchObject([{ memberId: m.id, address: '127.0.4.9', asn: 65011 }]);
    const pol = await cli('policy', m.id, '--noexport', 'off', '--json');
    expect(JSON.parse(pol.stdout)).toMatchObject({ noExport: false, receiveBuyerPrefixes: true });
  });
});
