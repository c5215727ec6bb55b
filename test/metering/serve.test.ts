// `bandex serve --flow-listen HOST:PORT` starts the collector: datagrams from a real exporter
// (captured softflowd IPFIX) sent to the advertised address are decoded and counted — through the
// native receive path, and through node:dgram when the addon cannot be loaded (said once in the log).
import dgram from 'node:dgram';
import { afterAll, expect, it } from 'vitest';
import { spawnServe, type Served } from '../support/serve.ts';
import { loadFixture } from '../flow/helpers/fixtures.ts';

let served: Served | undefined;
let fallback: Served | undefined;
afterAll(async () => {
  await served?.stop('SIGTERM');
  await fallback?.stop('SIGTERM');
});

async function collectsFixture(served: Served, receivePath: 'native' | 'dgram'): Promise<void> {
  interface Exporters { collector: { listening: boolean; addresses: string[]; records: number }; items: unknown[] }
  const get = async () => (await (await fetch(`${served.url}/v1/flow/exporters`, { headers: { authorization: `Bearer ${served.adminToken}` } })).json()) as Exporters;
  const before = await get();
  expect(before.collector.listening).toBe(true);
  const [host, port] = (before.collector.addresses[0] as string).split(':');
  const s = dgram.createSocket('udp4');
  for (const d of loadFixture('softflowd-ipfix')) await new Promise<void>((r) => s.send(d, Number(port), host, () => r()));
  s.close();
  let after = await get();
  for (let i = 0; i < 50 && after.collector.records < 6; i++) {
    await new Promise((r) => setTimeout(r, 50));
    after = await get();
  }
  expect(after.collector).toMatchObject({ datagrams: 1, records: 6, decodeErrors: 0, kernelDrops: 0, queueDrops: 0 });
  // the API says which receive path is in use (CI builds the addon; FLOWIO_SKIP_BUILD marks a machine without it)
  if (receivePath === 'dgram' || !process.env.FLOWIO_SKIP_BUILD) expect(after.collector).toMatchObject({ receivePath });
  expect(after.items).toEqual([expect.objectContaining({ exporter: '127.0.0.1', protocol: 'ipfix', records: 6 })]);
}

it('serve --flow-listen opens the UDP collector and reports exporters', async () => {
  served = await spawnServe({ args: ['--flow-listen', '127.0.0.1:0', '--admin-token', 'bxf-admin-token-0123456789abcdef'], env: { BANDEX_LOG_LEVEL: 'info' } });
  await collectsFixture(served, 'native');
  // (CI builds the addon on npm ci; FLOWIO_SKIP_BUILD marks a machine without it)
  if (!process.env.FLOWIO_SKIP_BUILD) expect(served.stderr()).toMatch(/"receivePath":"native"/);
  expect(served.stderr()).not.toMatch(/native receive path unavailable/);
}, 120_000);

it('without a loadable native addon serve falls back to node:dgram, says so once, and still collects', async () => {
  fallback = await spawnServe({ args: ['--flow-listen', '127.0.0.1:0', '--admin-token', 'bxf-admin-token-0123456789abcdef'], env: { FLOWIO_PATH: '/nonexistent/flowio.node', BANDEX_LOG_LEVEL: 'info' } });
  await collectsFixture(fallback, 'dgram');
  // the log goes to stderr
  expect(fallback.stderr().match(/native receive path unavailable/g)).toHaveLength(1);
  expect(fallback.stderr()).toMatch(/"receivePath":"dgram"/);
}, 120_000);
