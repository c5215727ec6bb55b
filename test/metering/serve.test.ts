// `bandex serve --flow-listen HOST:PORT` starts the collector: datagrams from a real exporter
// (captured softflowd IPFIX) sent to the advertised address are decoded and counted.
import dgram from 'node:dgram';
import { afterAll, expect, it } from 'vitest';
import { spawnServe, type Served } from '../support/serve.ts';
import { loadFixture } from '../flow/helpers/fixtures.ts';

let served: Served | undefined;
afterAll(async () => {
  await served?.stop('SIGTERM');
});

it('serve --flow-listen opens the UDP collector and reports exporters', async () => {
  served = await spawnServe({ args: ['--flow-listen', '127.0.0.1:0', '--admin-token', 'bxf-admin-token-0123456789abcdef'] });
  interface Exporters { collector: { listening: boolean; addresses: string[]; records: number }; items: unknown[] }
  const get = async () => (await (await fetch(`${served!.url}/v1/flow/exporters`, { headers: { authorization: `Bearer ${served!.adminToken}` } })).json()) as Exporters;
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
  expect(after.collector).toMatchObject({ datagrams: 1, records: 6, decodeErrors: 0 });
  expect(after.items).toEqual([expect.objectContaining({ exporter: '127.0.0.1', protocol: 'ipfix', records: 6 })]);
}, 120_000);
