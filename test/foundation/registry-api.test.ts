import { expect, it } from 'vitest';
import { describeStores } from '../support/harness.ts';

describeStores('registry API', (env) => {
  it('creates a member, a port and lists them', async () => {
    const m = await env.call('POST', '/v1/members', { body: { name: env.unique('carol'), asns: [65010], roles: ['buyer'], contact: { email: 'noc@carol.example' } } });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({ asns: [65010], roles: ['buyer'], createdAt: '2026-11-01T00:00:00.000Z' });
    const p = await env.call('POST', '/v1/ports', {
      body: { memberId: m.body.id, name: 'fra1', capacityMbps: 10000, routerIps: ['192.0.2.10', '2001:DB8::A'], macAddresses: ['02-00-5E-10-00-01'], flowSources: [{ exporter: '198.51.100.1', ifIndex: 7 }] },
    });
    expect(p.status).toBe(201);
    expect(p.body.routerIps).toEqual(['192.0.2.10', '2001:db8::a']);
    expect(p.body.macAddresses).toEqual(['02:00:5e:10:00:01']);
    const list = await env.call('GET', '/v1/ports', { query: { memberId: m.body.id } });
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([p.body.id]);
    expect(env.app.services.registry.findPortByFlowSource('198.51.100.1', 7)?.id).toBe(p.body.id);
    const ev = await env.call('GET', '/v1/events', { query: { type: 'PortCreated' } });
    expect(ev.body.items.at(-1).payload.id).toBe(p.body.id);
  });
});
