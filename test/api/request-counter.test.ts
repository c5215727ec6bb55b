/**
 * `bandex_http_requests_total{method,route,status}` (src/api/request-counter.ts): the hook counts
 * into plain numbers and prom-client reads them when the registry is read, so every request must
 * show up with its route pattern (not its URL), method and status, unknown URLs as 'unknown',
 * and two apps that share a reporter add up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { makeConfig } from '../../src/config.ts';
import { createReporter, type Reporter } from '../../src/lib/index.ts';

const apps: Array<{ app: App; dir: string }> = [];
afterEach(async () => {
  for (const { app, dir } of apps.splice(0)) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function start(reporter: Reporter): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-request-counter-'));
  const app = await buildApp({ config: makeConfig(), reporter, store: { kind: 'sqlite', path: join(dir, 'bandex.sqlite'), synchronous: 'normal' } });
  apps.push({ app, dir });
  return app;
}

/** The counter's series as `method status route` → value. */
async function series(reporter: Reporter): Promise<Record<string, number>> {
  const m = await reporter.registry.getSingleMetric('bandex_http_requests_total')!.get();
  return Object.fromEntries(m.values.map((v) => [`${v.labels.method} ${v.labels.status} ${v.labels.route}`, v.value]));
}

it('counts every request by method, route pattern and status', async () => {
  const reporter = createReporter({ destination: false });
  const app = await start(reporter);
  for (let i = 0; i < 3; i++) expect((await app.fastify.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect((await app.fastify.inject({ method: 'GET', url: '/v1/members/mem_x' })).statusCode).toBe(401);
  expect((await app.fastify.inject({ method: 'GET', url: '/v1/members/mem_y' })).statusCode).toBe(401);
  // An unknown URL needs a key too (401 before 404: no probing which routes exist).
  expect((await app.fastify.inject({ method: 'GET', url: '/v1/nothing-here' })).statusCode).toBe(401);
  expect((await app.fastify.inject({ method: 'POST', url: '/v1/nothing-here', payload: {} })).statusCode).toBe(401);
  expect(await series(reporter)).toEqual({
    'GET 200 /healthz': 3,
    'GET 401 /v1/members/:id': 2,
    'GET 401 unknown': 1,
    'POST 401 unknown': 1,
  });
  // Reading the registry does not change the totals; later requests add to them.
  await app.fastify.inject({ method: 'GET', url: '/healthz' });
  expect((await series(reporter))['GET 200 /healthz']).toBe(4);
  expect(await reporter.registry.metrics()).toContain('bandex_http_requests_total{method="GET",route="/healthz",status="200"} 4');
});

it('adds up the requests of two apps that share a reporter', async () => {
  const reporter = createReporter({ destination: false });
  const a = await start(reporter);
  const b = await start(reporter);
  await a.fastify.inject({ method: 'GET', url: '/healthz' });
  await b.fastify.inject({ method: 'GET', url: '/healthz' });
  await b.fastify.inject({ method: 'GET', url: '/healthz' });
  expect((await series(reporter))['GET 200 /healthz']).toBe(3);
});
