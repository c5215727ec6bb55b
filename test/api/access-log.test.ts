/**
 * `api.accessLog`: one `info` line per request when on (method, url, route, status, ms), none
 * when off (the default: the hot path pays nothing for it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { makeConfig } from '../../src/config.ts';
import { createReporter } from '../../src/lib/index.ts';

const apps: Array<{ app: App; dir: string }> = [];
afterEach(async () => {
  for (const { app, dir } of apps.splice(0)) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function start(accessLog: boolean): Promise<{ app: App; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'bandex-access-log-'));
  const app = await buildApp({
    config: makeConfig({ api: { accessLog } }),
    reporter: createReporter({ level: 'info', destination: sink }),
    store: { kind: 'sqlite', path: join(dir, 'bandex.sqlite'), synchronous: 'normal' },
  });
  apps.push({ app, dir });
  return { app, lines };
}

it('logs one line per request when api.accessLog is on', async () => {
  const { app, lines } = await start(true);
  const before = lines.length;
  expect((await app.fastify.inject({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  expect((await app.fastify.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  const access = lines.slice(before).filter((l) => l.msg === 'request');
  expect(access).toHaveLength(2);
  expect(access[0]).toMatchObject({ method: 'GET', url: '/v1/me', route: '/v1/me', status: 401 });
  expect(access[1]).toMatchObject({ method: 'GET', url: '/healthz', status: 200 });
  expect(typeof access[0]!.ms).toBe('number');
});

it('logs no request lines by default', async () => {
  const { app, lines } = await start(false);
  expect(makeConfig().api.accessLog).toBe(false);
  expect((await app.fastify.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect((await app.fastify.inject({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  expect(lines.filter((l) => l.msg === 'request')).toHaveLength(0);
});
