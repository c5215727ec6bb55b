/** Registry endpoints end to end: create/list/get, keys, pagination, idempotency, events, restart. */
import { expect, it } from 'vitest';
import { describeStores } from '../support/harness.ts';

describeStores('registry API', (env) => {
  it('creates a member and a port with canonical addresses, and finds the port by its flow mapping', async () => {
    const m = await env.call('POST', '/v1/members', { body: { name: env.unique('carol'), asns: [65010], roles: ['buyer', 'reseller'], contact: { email: 'noc@carol.example' } } });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({ asns: [65010], roles: ['buyer', 'reseller'], contact: { email: 'noc@carol.example' }, createdAt: '2026-11-01T00:00:00.000Z' });
    const p = await env.call('POST', '/v1/ports', {
      body: {
        memberId: m.body.id,
        name: 'fra1',
        capacityMbps: 10000,
        routerIps: ['192.0.2.10', '2001:DB8:0:0::A'],
        macAddresses: ['02-00-5E-10-00-01'],
        flowSources: [{ exporter: '198.51.100.1', ifIndex: 7 }],
      },
    });
    expect(p.status).toBe(201);
    expect(p.body.routerIps).toEqual(['192.0.2.10', '2001:db8::a']);
    expect(p.body.macAddresses).toEqual(['02:00:5e:10:00:01']);
    const reg = env.app.services.registry;
    expect(reg.findPortByFlowSource('198.51.100.1', 7)?.id).toBe(p.body.id);
    expect(reg.findPortByRouterIp('2001:db8::0:a')?.id).toBe(p.body.id);
    expect(reg.findPortByMac('02:00:5E:10:00:01')?.id).toBe(p.body.id);
    expect(reg.memberByAsn(65010)?.id).toBe(m.body.id);
    const got = await env.call('GET', `/v1/ports/${p.body.id}`);
    expect(got.body).toEqual(p.body);
    const ev = await env.call('GET', '/v1/events', { query: { type: 'PortCreated' } });
    expect(ev.body.items.at(-1)).toMatchObject({ type: 'PortCreated', topic: 'registry', visibleTo: [m.body.id], payload: { id: p.body.id } });
  });

  it('issues keys shown once, stores only a hash, and revokes them', async () => {
    const k = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { body: { label: 'bot' } });
    expect(k.status).toBe(201);
    expect(k.body.token).toMatch(/^bdx_[A-Za-z0-9_-]{43}$/);
    const rows = await env.app.ctx.store.db.selectFrom('api_keys').select('token_hash').execute();
    expect(JSON.stringify(rows)).not.toContain(k.body.token);
    const list = await env.call('GET', `/v1/members/${env.alice.id}/keys`);
    expect(JSON.stringify(list.body)).not.toContain(k.body.token);
    const me = await env.call('GET', '/v1/me', { token: k.body.token });
    expect(me.body).toMatchObject({ kind: 'member', memberId: env.alice.id, keyId: k.body.key.id });
    const events = await env.call('GET', '/v1/events', { query: { type: 'ApiKeyCreated', limit: 500 } });
    expect(JSON.stringify(events.body)).not.toContain(k.body.token);
    const rev = await env.call('POST', `/v1/keys/${k.body.key.id}/revoke`, { token: k.body.token });
    expect(rev.status).toBe(200);
    expect(rev.body.revokedAt).not.toBeNull();
    expect((await env.call('GET', '/v1/me', { token: k.body.token })).status).toBe(401);
    const again = await env.call('POST', `/v1/keys/${k.body.key.id}/revoke`);
    expect(again.body.error.code).toBe('REGISTRY_KEY_REVOKED');
    const noBody = await env.call('POST', `/v1/members/${env.alice.id}/keys`);
    expect(noBody.status).toBe(201);
    expect(noBody.body.key.label).toBe('');
    await expect(env.app.services.registry.ensureAdminToken(k.body.token, 'test')).rejects.toMatchObject({ code: 'REGISTRY_KEY_REVOKED' });
    const admin = await env.call('POST', '/v1/keys', { body: { label: 'ops' } });
    expect((await env.call('GET', '/v1/me', { token: admin.body.token })).body.kind).toBe('admin');
  });

  it('paginates lists with limit/after until next is null', async () => {
    const m = await env.call('POST', '/v1/members', { body: { name: env.unique('pager'), asns: [65020] } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await env.call('POST', '/v1/ports', { body: { memberId: m.body.id, name: `p${i}`, capacityMbps: 100, routerIps: [`203.0.113.${i + 1}`] } });
      ids.push(p.body.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const r: { body: { items: { id: string }[]; next: string | null } } = await env.call('GET', '/v1/ports', {
        query: { memberId: m.body.id, limit: 2, ...(after ? { after } : {}) },
      });
      seen.push(...r.body.items.map((x) => x.id));
      after = r.body.next;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort()); // ordered by id (time-ordered in production)
    const ev1 = await env.call('GET', '/v1/events', { query: { limit: 3 } });
    expect(ev1.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3]);
    const ev2 = await env.call('GET', '/v1/events', { query: { limit: 3, after: ev1.body.next } });
    expect(ev2.body.items[0].seq).toBe(4);
  });

  it('Idempotency-Key: a retry gets the first answer, a different body is refused, keys are per caller', async () => {
    const body = { name: env.unique('idem'), asns: [65030] };
    const headers = { 'idempotency-key': 'create-idem-1' };
    const first = await env.call('POST', '/v1/members', { body, headers });
    const seq = env.app.ctx.journal.lastSeq();
    const retry = await env.call('POST', '/v1/members', { body, headers });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(env.app.ctx.journal.lastSeq()).toBe(seq);
    const other = await env.call('POST', '/v1/members', { body: { ...body, asns: [65031] }, headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // the same key from another caller is another request
    const k1 = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { token: env.alice.token, body: {}, headers: { 'idempotency-key': 'k' } });
    const k2 = await env.call('POST', `/v1/members/${env.bob.id}/keys`, { token: env.bob.token, body: {}, headers: { 'idempotency-key': 'k' } });
    expect(k1.status).toBe(201);
    expect(k2.status).toBe(201);
    expect(k2.body.key.memberId).toBe(env.bob.id);
    // concurrent duplicates run once
    const body2 = { name: env.unique('idem-par'), asns: [65032] };
    const [a, b] = await Promise.all([
      env.call('POST', '/v1/members', { body: body2, headers: { 'idempotency-key': 'par' } }),
      env.call('POST', '/v1/members', { body: body2, headers: { 'idempotency-key': 'par' } }),
    ]);
    expect(a.status).toBe(201);
    expect(b.body).toEqual(a.body);
    const errorsToo = await env.call('POST', '/v1/members', { body: { name: '', asns: [1] }, headers: { 'idempotency-key': 'bad-key \u0001' } });
    expect(errorsToo.status).toBe(400);
  });

  it('keeps everything and the idempotency store across a restart', async () => {
    const body = { name: env.unique('durable'), asns: [65040] };
    const created = await env.call('POST', '/v1/members', { body, headers: { 'idempotency-key': 'durable-1' } });
    const port = await env.call('POST', '/v1/ports', { body: { memberId: created.body.id, name: 'x', capacityMbps: 5, routerIps: ['100.64.0.1'] } });
    const k = await env.call('POST', `/v1/members/${created.body.id}/keys`, { body: {} });
    const seq = env.app.ctx.journal.lastSeq();
    await env.restart();
    expect(env.app.ctx.journal.lastSeq()).toBe(seq);
    expect((await env.call('GET', `/v1/members/${created.body.id}`)).body).toEqual(created.body);
    expect((await env.call('GET', `/v1/ports/${port.body.id}`)).body).toEqual(port.body);
    expect((await env.call('GET', '/v1/me', { token: k.body.token })).body.memberId).toBe(created.body.id);
    const retry = await env.call('POST', '/v1/members', { body, headers: { 'idempotency-key': 'durable-1' } });
    expect(retry.body).toEqual(created.body);
    const next = await env.call('POST', '/v1/members', { body: { name: env.unique('after'), asns: [65041] } });
    expect(next.status).toBe(201);
    expect(env.app.ctx.journal.lastSeq()).toBe(seq + 1);
    // unique facts are still enforced after the reload
    const dup = await env.call('POST', '/v1/ports', { body: { memberId: created.body.id, name: 'y', capacityMbps: 5, routerIps: ['100.64.0.1'] } });
    expect(dup.body.error.code).toBe('REGISTRY_ROUTER_IP_TAKEN');
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    const h = await env.call('GET', '/healthz', { token: null });
    expect(h.body).toEqual({ status: 'ok', seq: env.app.ctx.journal.lastSeq() });
    const m = await env.call('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('bandex_journal_events_total{type="MemberCreated"}');
    expect(m.body).toContain('bandex_http_requests_total');
    const doc = await env.call('GET', '/docs/json', { token: null });
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/members', '/v1/members/{id}', '/v1/members/{id}/keys', '/v1/ports', '/v1/me', '/v1/events']));
    expect(doc.body.paths['/v1/ports'].post.requestBody.content['application/json'].schema.properties.capacityMbps).toMatchObject({ minimum: 1 });
    const ui = await env.app.fastify.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBeLessThan(400);
  });
});
