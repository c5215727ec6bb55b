/**
 * The validation matrix: every field of every body, each rule broken once; the answer names the
 * field as a JSON path, and nothing changes (no event, no row).
 */
import { beforeAll, expect, it } from 'vitest';
import { describeStores } from '../support/harness.ts';

const goodMember = { name: 'Valid Net', asns: [64496], roles: ['buyer'], contact: { email: 'noc@valid.example' } };
const goodPort = (memberId: string) => ({ memberId, name: 'ams1', capacityMbps: 10000, routerIps: ['198.51.100.7'], macAddresses: ['02:00:00:00:00:01'], flowSources: [{ exporter: '203.0.113.1', ifIndex: 3 }] });

type Case = [string, Record<string, unknown>, string, string]; // name, patch, code, field

const MEMBER_CASES: Case[] = [
  ['name missing', { name: undefined }, 'VALIDATION_FAILED', 'name'],
  ['name empty', { name: '' }, 'VALIDATION_FAILED', 'name'],
  ['name blank', { name: '   ' }, 'VALIDATION_FAILED', 'name'],
  ['name too long', { name: 'x'.repeat(101) }, 'VALIDATION_FAILED', 'name'],
  ['name not a string', { name: 42 }, 'VALIDATION_FAILED', 'name'],
  ['name with control character', { name: 'a\u0007b' }, 'VALIDATION_FAILED', 'name'],
  ['asns missing', { asns: undefined }, 'VALIDATION_FAILED', 'asns'],
  ['asns empty', { asns: [] }, 'VALIDATION_FAILED', 'asns'],
  ['asn zero', { asns: [0] }, 'VALIDATION_FAILED', 'asns[0]'],
  ['asn negative', { asns: [-5] }, 'VALIDATION_FAILED', 'asns[0]'],
  ['asn above 32 bits', { asns: [4294967296] }, 'VALIDATION_FAILED', 'asns[0]'],
  ['asn 4294967295 reserved', { asns: [4294967295] }, 'VALIDATION_FAILED', 'asns[0]'],
  ['asn AS_TRANS', { asns: [64497, 23456] }, 'VALIDATION_FAILED', 'asns[1]'],
  ['asn fractional', { asns: [64496.5] }, 'VALIDATION_FAILED', 'asns[0]'],
  ['asn as string', { asns: ['64496'] }, 'VALIDATION_FAILED', 'asns[0]'],
  ['asn repeated', { asns: [64496, 64496] }, 'VALIDATION_FAILED', 'asns[1]'],
  ['asn and asns both given', { asn: 64500 }, 'VALIDATION_FAILED', 'asn'],
  ['single asn AS_TRANS', { asns: undefined, asn: 23456 }, 'VALIDATION_FAILED', 'asn'],
  ['single asn as string', { asns: undefined, asn: '64500' }, 'VALIDATION_FAILED', 'asn'],
  ['too many asns', { asns: Array.from({ length: 17 }, (_, i) => 64600 + i) }, 'VALIDATION_FAILED', 'asns'],
  ['unknown role', { roles: ['broker'] }, 'VALIDATION_FAILED', 'roles[0]'],
  ['roles empty', { roles: [] }, 'VALIDATION_FAILED', 'roles'],
  ['bad email', { contact: { email: 'not-an-email' } }, 'VALIDATION_FAILED', 'contact.email'],
  ['unknown contact field', { contact: { fax: '123' } }, 'UNKNOWN_FIELD', 'contact.fax'],
  ['unknown top-level field', { color: 'blue' }, 'UNKNOWN_FIELD', 'color'],
];

const PORT_CASES: Case[] = [
  ['memberId missing', { memberId: undefined }, 'VALIDATION_FAILED', 'memberId'],
  ['name missing', { name: undefined }, 'VALIDATION_FAILED', 'name'],
  ['name too long', { name: 'p'.repeat(101) }, 'VALIDATION_FAILED', 'name'],
  ['capacity zero', { capacityMbps: 0 }, 'VALIDATION_FAILED', 'capacityMbps'],
  ['capacity negative', { capacityMbps: -1 }, 'VALIDATION_FAILED', 'capacityMbps'],
  ['capacity fractional', { capacityMbps: 1.5 }, 'VALIDATION_FAILED', 'capacityMbps'],
  ['capacity above bound', { capacityMbps: 10_000_001 }, 'VALIDATION_FAILED', 'capacityMbps'],
  ['capacity as string', { capacityMbps: '100' }, 'VALIDATION_FAILED', 'capacityMbps'],
  ['routerIps empty', { routerIps: [] }, 'VALIDATION_FAILED', 'routerIps'],
  ['routerIp not an IP', { routerIps: ['198.51.100.7', 'router1'] }, 'VALIDATION_FAILED', 'routerIps[1]'],
  ['routerIp octet out of range', { routerIps: ['198.51.100.256'] }, 'VALIDATION_FAILED', 'routerIps[0]'],
  ['routerIp with prefix length', { routerIps: ['198.51.100.7/24'] }, 'VALIDATION_FAILED', 'routerIps[0]'],
  ['routerIp bad IPv6', { routerIps: ['2001:db8:::1'] }, 'VALIDATION_FAILED', 'routerIps[0]'],
  ['routerIp repeated (other spelling)', { routerIps: ['2001:db8::1', '2001:DB8:0::1'] }, 'VALIDATION_FAILED', 'routerIps[1]'],
  ['bad MAC', { macAddresses: ['02:00:00:00:00'] }, 'VALIDATION_FAILED', 'macAddresses[0]'],
  ['flow exporter not an IP', { flowSources: [{ exporter: 'x', ifIndex: 1 }] }, 'VALIDATION_FAILED', 'flowSources[0].exporter'],
  ['flow ifIndex negative', { flowSources: [{ exporter: '203.0.113.1', ifIndex: -1 }] }, 'VALIDATION_FAILED', 'flowSources[0].ifIndex'],
  ['flow source unknown field', { flowSources: [{ exporter: '203.0.113.1', ifIndex: 1, vlan: 3 }] }, 'UNKNOWN_FIELD', 'flowSources[0].vlan'],
  ['unknown top-level field', { speed: '10G' }, 'UNKNOWN_FIELD', 'speed'],
];

function patch(base: Record<string, unknown>, p: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

describeStores('validation matrix', (env) => {
  let counts: () => Promise<number[]>;
  beforeAll(() => {
    counts = async () => [
      env.app.ctx.journal.lastSeq(),
      env.app.services.registry.listMembers().length,
      env.app.services.registry.listPorts().length,
      Number((await env.app.ctx.store.db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n),
    ];
  });

  it.each(MEMBER_CASES)('POST /v1/members: %s → %s at %s', async (_n, p, code, field) => {
    const before = await counts();
    const res = await env.call('POST', '/v1/members', { body: patch(goodMember, p) });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toMatchObject({ code, field });
    expect(res.body.error.message).toContain(field.split('.')[0]!.replace(/\[.*/, ''));
    expect(await counts()).toEqual(before);
  });

  it('accepts the single-ASN form {name, asn} as asns [asn]', async () => {
    const res = await env.call('POST', '/v1/members', { body: { name: 'Single AS Net', asn: 64593 } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.asns).toEqual([64593]);
  });

  it.each(PORT_CASES)('POST /v1/ports: %s → %s at %s', async (_n, p, code, field) => {
    const before = await counts();
    const res = await env.call('POST', '/v1/ports', { body: patch(goodPort(env.alice.id), p) });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toMatchObject({ code, field });
    expect(await counts()).toEqual(before);
  });

  it('refuses malformed JSON, a non-object body and bad query parameters', async () => {
    const raw = await env.app.fastify.inject({
      method: 'POST',
      url: '/v1/members',
      headers: { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    expect(raw.statusCode).toBe(400);
    expect(JSON.parse(raw.body).error.code).toBe('BODY_NOT_JSON');
    const arr = await env.call('POST', '/v1/members', { body: [1, 2] });
    expect(arr.status).toBe(400);
    expect(arr.body.error.code).toBe('VALIDATION_FAILED');
    const lim = await env.call('GET', '/v1/members', { query: { limit: 0 } });
    expect(lim.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit' });
    const unk = await env.call('GET', '/v1/members', { query: { color: 'red' } });
    expect(unk.body.error).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'color' });
    const after = await env.call('GET', '/v1/events', { query: { after: 'abc' } });
    expect(after.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'after' });
  });

  it('refuses conflicts with the field named and nothing changed', async () => {
    const a = await env.call('POST', '/v1/members', { body: { name: 'Conflict Net', asns: [64510] } });
    expect(a.status).toBe(201);
    const before = await counts();
    const sameName = await env.call('POST', '/v1/members', { body: { name: 'conflict net', asns: [64511] } });
    expect(sameName.status).toBe(409);
    expect(sameName.body.error).toMatchObject({ code: 'REGISTRY_MEMBER_NAME_TAKEN', field: 'name' });
    const sameAsn = await env.call('POST', '/v1/members', { body: { name: 'Other Net', asns: [64512, 64510] } });
    expect(sameAsn.body.error).toMatchObject({ code: 'REGISTRY_ASN_TAKEN', field: 'asns[1]' });
    const p1 = await env.call('POST', '/v1/ports', { body: goodPort(a.body.id) });
    expect(p1.status).toBe(201);
    const mid = await counts();
    expect(mid[0]).toBe(before[0]! + 1);
    const ipTaken = await env.call('POST', '/v1/ports', { body: { ...goodPort(env.alice.id), macAddresses: [], flowSources: [] } });
    expect(ipTaken.body.error).toMatchObject({ code: 'REGISTRY_ROUTER_IP_TAKEN', field: 'routerIps[0]' });
    const macTaken = await env.call('POST', '/v1/ports', { body: { ...goodPort(env.alice.id), routerIps: ['198.51.100.99'], flowSources: [] } });
    expect(macTaken.body.error).toMatchObject({ code: 'REGISTRY_MAC_TAKEN', field: 'macAddresses[0]' });
    const flowTaken = await env.call('POST', '/v1/ports', { body: { ...goodPort(env.alice.id), routerIps: ['198.51.100.98'], macAddresses: [] } });
    expect(flowTaken.body.error).toMatchObject({ code: 'REGISTRY_FLOW_SOURCE_TAKEN', field: 'flowSources[0]' });
    const noMember = await env.call('POST', '/v1/ports', { body: { ...goodPort('mem_nobody'), routerIps: ['198.51.100.97'], macAddresses: [], flowSources: [] } });
    expect(noMember.body.error).toMatchObject({ code: 'REGISTRY_MEMBER_NOT_FOUND', field: 'memberId' });
    expect(await counts()).toEqual(mid);
  });

  it('two conflicting creates in the same event-loop turn: exactly one wins', async () => {
    const [r1, r2] = await Promise.all([
      env.call('POST', '/v1/members', { body: { name: 'Race Net', asns: [64520] } }),
      env.call('POST', '/v1/members', { body: { name: 'Race Net', asns: [64521] } }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([201, 409]);
  });
});
