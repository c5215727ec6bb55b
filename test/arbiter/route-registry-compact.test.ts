import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsPrefix, formatPrefix, parsePrefix } from '../../src/lib/index.ts';
import type { Prefix } from '../../src/lib/index.ts';
import { createRoaSet } from '../../src/registry/route-rpki.ts';
import type { RouteAttributes } from '../../src/registry/route-model.ts';
import { labRegistry, route, seq } from './helpers.ts';

/** The BGP speaker's shape of an attribute set (communities as 32-bit numbers), as the arbiter hands it over. */
const bgpAttrs = (asns: number[], nextHop: string, communities: number[] = []) =>
  Object.freeze({ origin: 'igp' as const, asPath: [{ type: 'sequence' as const, asns }], nextHop, communities });
const convert = (a: object): RouteAttributes => {
  const b = a as ReturnType<typeof bgpAttrs>;
  return { origin: b.origin, asPath: b.asPath, nextHop: b.nextHop, communities: b.communities.map((c) => [c >>> 16, c & 0xffff] as const), largeCommunities: [] };
};

describe('trade route registry: batches of one UPDATE', () => {
  it('files a batch sharing one attribute set: attribute rules once, prefix rules per prefix, no route objects unless asked', () => {
    const { reg } = labRegistry();
    const good = bgpAttrs([65001, 64600], '192.0.2.11', [(65001 << 16) | 7]);
    const r = reg.learnBatch('m1', '192.0.2.11', good, [{ prefix: '203.0.113.0/24' }, { prefix: '10.1.0.0/16' }, { prefix: '198.51.100.128/25' }], {
      collect: false,
      receivedAt: 5,
      convert,
    });
    expect([r.accepted, r.rejected, r.changes.length]).toEqual([1, 2, 0]);
    const listed = reg.routes({ member: 'm1' });
    expect(listed.map((x) => [x.prefix, x.status, x.reasons])).toEqual([
      ['10.1.0.0/16', 'rejected', ['BOGON_PREFIX']],
      ['198.51.100.128/25', 'rejected', ['PREFIX_TOO_LONG']],
      ['203.0.113.0/24', 'accepted', []],
    ]);
    // read through the converter: registry model, communities as pairs, time kept
    expect(listed[2].attrs.communities).toEqual([[65001, 7]]);
    expect(listed[2].receivedAt).toBe(5);

    // a foreign next hop rejects every prefix of the batch; IPv4 (network, length) pairs work the same
    const bad = bgpAttrs([65001], '192.0.2.99');
    const pairs = new Uint32Array([(198 << 24) | (51 << 16) | (100 << 8), 24, (203 << 24) | (0 << 16) | (113 << 8), 24].map((x) => x >>> 0));
    const r2 = reg.learnBatch('m1', '192.0.2.11', bad, pairs, { collect: true, receivedAt: 6, convert });
    expect(r2.changes.map((c) => [c.prefix, c.before?.status, c.after?.reasons])).toEqual([
      ['198.51.100.0/24', undefined, ['NEXT_HOP_NOT_MEMBER_ROUTER']],
      ['203.0.113.0/24', 'accepted', ['NEXT_HOP_NOT_MEMBER_ROUTER']],
    ]);
    expect(reg.sessionCount('192.0.2.11')[4]).toBe(0);
    expect(reg.withdrawBatch('192.0.2.11', ['203.0.113.0/24', '192.0.2.0/24'], false)).toEqual({ removed: 1, changes: [] });
    expect(reg.size).toBe(3);
  });

  it('keeps max-prefix per session across batches and re-counts it on revalidation', () => {
    const { reg } = labRegistry();
    reg.setPolicy('m1', { maxPrefixes: { ipv4: 2, ipv6: 2 } });
    const a = bgpAttrs([65001, 64600], '192.0.2.11');
    const prefixes = ['203.0.113.0/24', '203.0.112.0/24', '198.51.100.0/24'].map((prefix) => ({ prefix }));
    const r = reg.learnBatch('m1', '192.0.2.11', a, prefixes, { collect: true, convert });
    expect(r.changes.map((c) => [c.after?.status, c.maxPrefixExceeded])).toEqual([
      ['accepted', false],
      ['accepted', false],
      ['rejected', true],
    ]);
    // ROAs make one accepted route invalid: the slot it frees goes to the route over the limit
    reg.setRoas(createRoaSet([{ prefix: '203.0.113.0/24', maxLength: 24, asn: 64700 }]));
    const changes = reg.revalidate('m1');
    expect(changes.map((c) => [c.prefix, c.after?.reasons])).toEqual([
      ['203.0.113.0/24', ['RPKI_INVALID']],
      ['198.51.100.0/24', []],
    ]);
    expect(reg.routes({ member: 'm1', prefix: '203.0.113.0/24' })[0].rpki).toBe('invalid');
  });

  it('a router announcing a prefix again under another member replaces the earlier path', () => {
    const { reg } = labRegistry();
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    reg.setMember({ memberId: 'm3', asns: [65003], routers: ['192.0.2.11'] });
    const ch = reg.learn(route('m3', '192.0.2.11', '203.0.113.0/24', { asPath: seq(65003) }));
    expect(ch.before?.memberId).toBe('m1');
    expect(reg.routes({ prefix: '203.0.113.0/24' }).map((r) => r.memberId)).toEqual(['m3']);
  });
});

// A model check: after any sequence of announcements and withdrawals from two routers of one member
// and one of another, every query answers what a plain list of the live routes says.
describe('trade route registry: queries agree with a plain list (property)', () => {
  const routers = [
    ['m1', '192.0.2.11'],
    ['m1', '192.0.2.21'],
    ['m2', '192.0.2.12'],
  ] as const;
  const v4 = fc.tuple(fc.integer({ min: 0, max: 32 }), fc.constantFrom(203, 198), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([len, a, b, c]) => {
    const p = parsePrefix(`${a}.${b}.${c}.${(b * 7) & 255}/32`);
    if (!p.ok) throw new Error('bad');
    const bytes = p.prefix.bytes.slice();
    for (let i = 0; i < 4; i++) bytes[i] &= len >= 8 * (i + 1) ? 0xff : len <= 8 * i ? 0 : (0xff << (8 - (len % 8))) & 0xff;
    return formatPrefix({ family: 4, bytes, len });
  });
  const v6 = fc.tuple(fc.integer({ min: 16, max: 64 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })).map(([len, a, b]) => {
    const p = parsePrefix(`2001:db8:${a}:${b.toString(16)}::/64`);
    if (!p.ok) throw new Error('bad');
    const bytes = p.prefix.bytes.slice();
    for (let i = 0; i < 16; i++) bytes[i] &= len >= 8 * (i + 1) ? 0xff : len <= 8 * i ? 0 : (0xff << (8 - (len % 8))) & 0xff;
    return formatPrefix({ family: 6, bytes, len });
  });
  const op = fc.record({ who: fc.integer({ min: 0, max: 2 }), prefix: fc.oneof(v4, v6), withdraw: fc.boolean() });

  it('exact, longest, covering, covered, per member and per router', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.oneof(v4, v6), (ops, q) => {
        const { reg } = labRegistry();
        reg.setMember({ memberId: 'm1', asns: [65001], routers: ['192.0.2.11', '192.0.2.21'] });
        const live = new Map<string, { memberId: string; router: string; prefix: string }>();
        for (const o of ops) {
          const [memberId, router] = routers[o.who];
          const key = `${router} ${o.prefix}`;
          if (o.withdraw) {
            reg.withdraw(router, o.prefix);
            live.delete(key);
          } else {
            reg.learn(route(memberId, router, o.prefix));
            live.set(key, { memberId, router, prefix: o.prefix });
          }
        }
        const P = (s: string) => (parsePrefix(s) as { ok: true; prefix: Prefix }).prefix;
        const qp = P(q);
        const ids = (xs: Array<{ router: string; prefix: string }>) => xs.map((x) => `${x.router} ${x.prefix}`).sort();
        const all = [...live.values()];
        expect(reg.size).toBe(all.length);
        expect(ids(reg.routes({ prefix: q }))).toEqual(ids(all.filter((r) => r.prefix === q)));
        expect(ids(reg.routes({ prefix: q, match: 'covering' }))).toEqual(ids(all.filter((r) => containsPrefix(P(r.prefix), qp))));
        expect(ids(reg.routes({ prefix: q, match: 'covered' }))).toEqual(ids(all.filter((r) => containsPrefix(qp, P(r.prefix)))));
        const cov = all.filter((r) => containsPrefix(P(r.prefix), qp));
        const best = Math.max(-1, ...cov.map((r) => P(r.prefix).len));
        expect(ids(reg.routes({ prefix: q, match: 'longest' }))).toEqual(ids(cov.filter((r) => P(r.prefix).len === best)));
        expect(ids(reg.routes({ member: 'm1' }))).toEqual(ids(all.filter((r) => r.memberId === 'm1')));
        expect(ids(reg.routes({ router: '192.0.2.21' }))).toEqual(ids(all.filter((r) => r.router === '192.0.2.21')));
        expect(reg.dropSession('192.0.2.11').length).toBe(all.filter((r) => r.router === '192.0.2.11').length);
      }),
      { numRuns: 300 },
    );
  });
});
