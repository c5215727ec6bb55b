/**
 * The security matrix: every route × caller. Unauthenticated → 401; a member on an admin route
 * → 403; a member reaching another member's object → the same 404 as for an id that does not
 * exist (existence does not leak); a probe-agent key → 403 everywhere but the probe-agent routes
 * and /v1/me, and there only for its own provider.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeStores, type TestEnv } from '../support/harness.ts';

type Who = 'none' | 'garbage' | 'malformed' | 'revoked' | 'admin' | 'alice' | 'agent' | 'revokedAgent';

interface Row {
  name: string;
  method: 'GET' | 'POST';
  url: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  who: Who;
  status: number;
  code?: string;
}

interface Fixture {
  alice: string;
  bob: string;
  alicePort: string;
  bobPort: string;
  aliceKey: string;
  bobKey: string;
  adminKey: string;
  revokedToken: string;
  /** alice's probe agent */
  agentToken: string;
  agentKey: string;
  revokedAgentToken: string;
}

const member = () => ({ name: `m-${Math.random()}`, asns: [4200000000 + Math.floor(Math.random() * 1e6)] });
const measurement = (provider: (f: Fixture) => string) => (f: Fixture) => ({
  measurements: [{ provider: provider(f), destination: '192.0.2.0/24', target: '192.0.2.9', at: '2026-11-01T00:00:00Z', sent: 4, rtts: [10, 11, 12] }],
});
const port = (f: Fixture) => ({ memberId: f.alice, name: `p-${Math.random()}`, capacityMbps: 100, routerIps: [`10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`] });

const ROWS: Row[] = [
  // 401 for every authenticated route without a usable key
  ...(['none', 'garbage', 'malformed', 'revoked'] as const).flatMap((who): Row[] => {
    const code = who === 'none' ? 'AUTH_REQUIRED' : 'AUTH_INVALID';
    return [
      { name: 'list members', method: 'GET', url: () => '/v1/members', who, status: 401, code },
      { name: 'create member', method: 'POST', url: () => '/v1/members', body: member, who, status: 401, code },
      { name: 'get member', method: 'GET', url: (f) => `/v1/members/${f.alice}`, who, status: 401, code },
      { name: 'create port', method: 'POST', url: () => '/v1/ports', body: port, who, status: 401, code },
      { name: 'list ports', method: 'GET', url: () => '/v1/ports', who, status: 401, code },
      { name: 'me', method: 'GET', url: () => '/v1/me', who, status: 401, code },
      { name: 'events', method: 'GET', url: () => '/v1/events', who, status: 401, code },
      { name: 'metrics', method: 'GET', url: () => '/metrics', who, status: 401, code },
      { name: 'create key', method: 'POST', url: (f) => `/v1/members/${f.alice}/keys`, body: () => ({}), who, status: 401, code },
      { name: 'lease probe jobs', method: 'POST', url: () => '/v1/quality/jobs/lease', body: () => ({}), who, status: 401, code },
      { name: 'file measurements', method: 'POST', url: () => '/v1/quality/measurements', body: measurement((f) => f.alice), who, status: 401, code },
    ];
  }),
  // public
  { name: 'health without key', method: 'GET', url: () => '/healthz', who: 'none', status: 200 },
  { name: 'openapi without key', method: 'GET', url: () => '/docs/json', who: 'none', status: 200 },
  // member on admin routes → 403
  { name: 'member creates member', method: 'POST', url: () => '/v1/members', body: member, who: 'alice', status: 403, code: 'FORBIDDEN' },
  { name: 'member creates port', method: 'POST', url: () => '/v1/ports', body: port, who: 'alice', status: 403, code: 'FORBIDDEN' },
  { name: 'member creates admin key', method: 'POST', url: () => '/v1/keys', body: () => ({}), who: 'alice', status: 403, code: 'FORBIDDEN' },
  { name: 'member reads metrics', method: 'GET', url: () => '/metrics', who: 'alice', status: 403, code: 'FORBIDDEN' },
  // member on its own objects → allowed
  { name: 'own member', method: 'GET', url: (f) => `/v1/members/${f.alice}`, who: 'alice', status: 200 },
  { name: 'own port', method: 'GET', url: (f) => `/v1/ports/${f.alicePort}`, who: 'alice', status: 200 },
  { name: 'own keys', method: 'GET', url: (f) => `/v1/members/${f.alice}/keys`, who: 'alice', status: 200 },
  { name: 'own new key', method: 'POST', url: (f) => `/v1/members/${f.alice}/keys`, body: () => ({ label: 'rotate' }), who: 'alice', status: 201 },
  // member on another member's objects → 404, exactly like a missing id
  { name: "other's member", method: 'GET', url: (f) => `/v1/members/${f.bob}`, who: 'alice', status: 404, code: 'REGISTRY_MEMBER_NOT_FOUND' },
  { name: 'missing member', method: 'GET', url: () => '/v1/members/mem_doesnotexist', who: 'alice', status: 404, code: 'REGISTRY_MEMBER_NOT_FOUND' },
  { name: "other's port", method: 'GET', url: (f) => `/v1/ports/${f.bobPort}`, who: 'alice', status: 404, code: 'REGISTRY_PORT_NOT_FOUND' },
  { name: 'missing port', method: 'GET', url: () => '/v1/ports/port_doesnotexist', who: 'alice', status: 404, code: 'REGISTRY_PORT_NOT_FOUND' },
  { name: "other's keys", method: 'GET', url: (f) => `/v1/members/${f.bob}/keys`, who: 'alice', status: 404, code: 'REGISTRY_MEMBER_NOT_FOUND' },
  { name: "key for other", method: 'POST', url: (f) => `/v1/members/${f.bob}/keys`, body: () => ({}), who: 'alice', status: 404, code: 'REGISTRY_MEMBER_NOT_FOUND' },
  { name: "revoke other's key", method: 'POST', url: (f) => `/v1/keys/${f.bobKey}/revoke`, who: 'alice', status: 404, code: 'REGISTRY_KEY_NOT_FOUND' },
  { name: 'revoke admin key', method: 'POST', url: (f) => `/v1/keys/${f.adminKey}/revoke`, who: 'alice', status: 404, code: 'REGISTRY_KEY_NOT_FOUND' },
  { name: 'revoke missing key', method: 'POST', url: () => '/v1/keys/key_doesnotexist/revoke', who: 'alice', status: 404, code: 'REGISTRY_KEY_NOT_FOUND' },
  // probe agent: its own routes for its own provider, 403 everywhere else
  ...(
    [
      ['list members', 'GET', () => '/v1/members'],
      ['its provider', 'GET', (f: Fixture) => `/v1/members/${f.alice}`],
      ['create member', 'POST', () => '/v1/members', member],
      ['create port', 'POST', () => '/v1/ports', port],
      ['list ports', 'GET', () => '/v1/ports'],
      ['events', 'GET', () => '/v1/events'],
      ['metrics', 'GET', () => '/metrics'],
      ['key for its provider', 'POST', (f: Fixture) => `/v1/members/${f.alice}/keys`, () => ({})],
      ['admin key', 'POST', () => '/v1/keys', () => ({})],
      ['revoke its own key', 'POST', (f: Fixture) => `/v1/keys/${f.agentKey}/revoke`],
      ['register an agent', 'POST', () => '/v1/quality/agents', (f: Fixture) => ({ provider: f.alice })],
      ['list agents', 'GET', () => '/v1/quality/agents'],
      ['read quality', 'GET', (f: Fixture) => `/v1/quality?provider=${f.alice}`],
    ] as const
  ).map(([name, method, url, body]): Row => ({ name: `agent: ${name}`, method, url, ...(body ? { body } : {}), who: 'agent', status: 403, code: 'FORBIDDEN' })),
  { name: 'agent: who am I', method: 'GET', url: () => '/v1/me', who: 'agent', status: 200 },
  { name: 'agent: lease jobs', method: 'POST', url: () => '/v1/quality/jobs/lease', body: () => ({}), who: 'agent', status: 200 },
  { name: 'agent: file for its provider', method: 'POST', url: () => '/v1/quality/measurements', body: measurement((f) => f.alice), who: 'agent', status: 201 },
  { name: 'agent: file for another provider', method: 'POST', url: () => '/v1/quality/measurements', body: measurement((f) => f.bob), who: 'agent', status: 403, code: 'QUALITY_NOT_ALLOWED' },
  { name: 'agent: report a job not leased to it', method: 'POST', url: () => '/v1/quality/jobs/qjob_nope/result', body: () => ({ at: '2026-11-01T00:00:00Z', sent: 1, rtts: [] }), who: 'agent', status: 404 },
  { name: 'revoked agent: lease jobs', method: 'POST', url: () => '/v1/quality/jobs/lease', body: () => ({}), who: 'revokedAgent', status: 401, code: 'AUTH_INVALID' },
  { name: 'member: lease jobs', method: 'POST', url: () => '/v1/quality/jobs/lease', body: () => ({}), who: 'alice', status: 403, code: 'FORBIDDEN' },
  { name: 'member: revoke its agent’s key', method: 'POST', url: (f) => `/v1/keys/${f.agentKey}/revoke`, who: 'alice', status: 404, code: 'REGISTRY_KEY_NOT_FOUND' },
  { name: 'member: register an agent', method: 'POST', url: () => '/v1/quality/agents', body: (f) => ({ provider: f.alice }), who: 'alice', status: 403, code: 'FORBIDDEN' },
  // admin everywhere
  { name: 'admin any member', method: 'GET', url: (f) => `/v1/members/${f.bob}`, who: 'admin', status: 200 },
  { name: 'admin any port', method: 'GET', url: (f) => `/v1/ports/${f.bobPort}`, who: 'admin', status: 200 },
  { name: 'admin metrics', method: 'GET', url: () => '/metrics', who: 'admin', status: 200 },
  { name: 'admin creates member', method: 'POST', url: () => '/v1/members', body: member, who: 'admin', status: 201 },
  { name: 'admin creates port', method: 'POST', url: () => '/v1/ports', body: port, who: 'admin', status: 201 },
  { name: 'unknown route', method: 'GET', url: () => '/v1/nothing-here', who: 'admin', status: 404, code: 'NOT_FOUND' },
];

describeStores('security matrix', (env: TestEnv) => {
  const f = {} as Fixture;
  beforeAll(async () => {
    f.alice = env.alice.id;
    f.bob = env.bob.id;
    const mk = async (memberId: string, ip: string) =>
      (await env.call('POST', '/v1/ports', { body: { memberId, name: env.unique('p'), capacityMbps: 1000, routerIps: [ip] } })).body.id as string;
    f.alicePort = await mk(f.alice, '192.0.2.1');
    f.bobPort = await mk(f.bob, '192.0.2.2');
    f.aliceKey = (await env.call('GET', `/v1/members/${f.alice}/keys`)).body.items[0].id;
    f.bobKey = (await env.call('GET', `/v1/members/${f.bob}/keys`)).body.items[0].id;
    f.adminKey = (await env.call('GET', '/v1/me')).body.keyId;
    const k = await env.call('POST', `/v1/members/${f.bob}/keys`, { body: { label: 'to revoke' } });
    f.revokedToken = k.body.token;
    expect((await env.call('POST', `/v1/keys/${k.body.key.id}/revoke`)).status).toBe(200);
    const agent = await env.call('POST', '/v1/quality/agents', { body: { provider: f.alice } });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    f.agentToken = agent.body.token;
    f.agentKey = agent.body.keyId;
    const gone = await env.call('POST', '/v1/quality/agents', { body: { provider: f.alice } });
    f.revokedAgentToken = gone.body.token;
    expect((await env.call('DELETE', `/v1/quality/agents/${gone.body.id}`)).status).toBe(204);
  });

  const header = (who: Who): Record<string, string> => {
    switch (who) {
      case 'none':
        return {};
      case 'garbage':
        return { authorization: 'Bearer bdx_not_a_key' };
      case 'malformed':
        return { authorization: 'Basic YWRtaW46YWRtaW4=' };
      case 'revoked':
        return { authorization: `Bearer ${f.revokedToken}` };
      case 'admin':
        return { authorization: `Bearer ${env.adminToken}` };
      case 'alice':
        return { authorization: `Bearer ${env.alice.token}` };
      case 'agent':
        return { authorization: `Bearer ${f.agentToken}` };
      case 'revokedAgent':
        return { authorization: `Bearer ${f.revokedAgentToken}` };
    }
  };

  it.each(ROWS.map((r) => [`${r.who} ${r.method} ${r.name} → ${r.status}`, r] as const))('%s', async (_n, row) => {
    const seq = env.app.ctx.journal.lastSeq();
    const res = await env.call(row.method, row.url(f), { token: null, headers: header(row.who), ...(row.body ? { body: row.body(f) } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(row.status);
    if (row.code) expect(res.body.error.code).toBe(row.code);
    if (row.status >= 400) expect(env.app.ctx.journal.lastSeq()).toBe(seq); // nothing changed
  });

  it('a member sees only itself in lists and none of the others’ private events', async () => {
    const members = await env.call('GET', '/v1/members', { token: env.alice.token });
    expect(members.body.items.map((m: { id: string }) => m.id)).toEqual([env.alice.id]);
    const ports = await env.call('GET', '/v1/ports', { token: env.alice.token, query: { memberId: env.bob.id } });
    expect(ports.body.items).toEqual([]);
    const events = await env.call('GET', '/v1/events', { token: env.alice.token, query: { limit: 500 } });
    expect(events.status).toBe(200);
    const ids = JSON.stringify(events.body);
    expect(ids).not.toContain(env.bob.id);
    expect(ids).toContain(env.alice.id);
    const all = await env.call('GET', '/v1/events', { query: { limit: 500 } });
    expect(JSON.stringify(all.body)).toContain(env.bob.id);
  });

  it('an agent key is a foundation key of kind agent: /v1/me names it, its provider does not list it, its Idempotency-Keys are its own', async () => {
    expect(f.agentToken.startsWith('bdx_')).toBe(true);
    const me = await env.call('GET', '/v1/me', { token: f.agentToken });
    expect(me.body).toMatchObject({ kind: 'agent', keyId: f.agentKey, memberId: f.alice });
    expect(me.body.agentId).toMatch(/^qagent/);
    const own = await env.call('GET', `/v1/members/${f.alice}/keys`, { token: env.alice.token });
    expect(own.body.items.map((k: { id: string }) => k.id)).not.toContain(f.agentKey);
    const keys = await env.call('GET', `/v1/quality/agents/${me.body.agentId}/keys`);
    expect(keys.body.items.map((k: { id: string; role: string; agentId: string }) => [k.id, k.role, k.agentId])).toEqual([[f.agentKey, 'agent', me.body.agentId]]);
    // The same Idempotency-Key from the agent and from its provider: two callers, two answers.
    const headers = { 'idempotency-key': 'shared-key' };
    const byAgent = await env.call('POST', '/v1/quality/measurements', { token: f.agentToken, body: measurement((x) => x.alice)(f), headers });
    const byMember = await env.call('POST', '/v1/quality/measurements', { token: env.alice.token, body: measurement((x) => x.alice)(f), headers });
    expect(byAgent.status).toBe(201);
    expect(byMember.status).toBe(201);
    expect(byMember.headers['idempotent-replayed']).toBeUndefined();
    expect(byAgent.body.stored[0].source).toBe(`agent:${me.body.agentId}`);
    expect(byMember.body.stored[0].source).toBe(`member:${f.alice}`);
    const again = await env.call('POST', '/v1/quality/measurements', { token: f.agentToken, body: measurement((x) => x.alice)(f), headers });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(byAgent.body);
  });

  it('the 404 for another member’s object is byte-identical in shape to a missing one', async () => {
    const other = await env.call('GET', `/v1/ports/${f.bobPort}`, { token: env.alice.token });
    const missing = await env.call('GET', '/v1/ports/port_zzz', { token: env.alice.token });
    expect(other.status).toBe(missing.status);
    expect(Object.keys(other.body.error)).toEqual(Object.keys(missing.body.error));
    expect(other.body.error.message).not.toContain(env.bob.id);
  });
});
