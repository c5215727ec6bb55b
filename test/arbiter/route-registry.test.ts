import { describe, expect, it } from 'vitest';
import { createRoaSet } from '../../src/registry/route-rpki.ts';
import { parseBgpq4Json } from '../../src/registry/route-irr.ts';
import { routeErrors } from '../../src/registry/route-errors.ts';
import { LAB_FILTER, labRegistry, route, seq } from './helpers.ts';

describe('trade route registry: learned routes', () => {
  it('stores every announcement with its attributes and recalls it by member, session and prefix', () => {
    const { reg } = labRegistry();
    reg.learn(route('m1', '192.0.2.11', '203.0.0.0/16', { communities: [[65001, 7]], largeCommunities: [[65001, 1, 2]] }));
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    reg.learn(route('m1', '192.0.2.11', '10.0.0.0/8')); // bogon: kept, rejected
    reg.learn(route('m2', '192.0.2.12', '203.0.113.0/24', { asPath: seq(65002), nextHop: '192.0.2.12' }));
    reg.learn(route('m2', '2001:db8:4a::12', '2001:db8:200::/48', { asPath: seq(65002), nextHop: '2001:db8:4a::12' }));

    expect(reg.size).toBe(5);
    expect(reg.routes({ member: 'm1' }).map((r) => [r.prefix, r.status])).toEqual([
      ['10.0.0.0/8', 'rejected'],
      ['203.0.0.0/16', 'accepted'],
      ['203.0.113.0/24', 'accepted'],
    ]);
    expect(reg.routes({ member: 'm1', status: 'rejected' })[0].reasons).toEqual(['BOGON_PREFIX']);
    const stored = reg.routes({ member: 'm1', prefix: '203.0.0.0/16' })[0];
    expect(stored.attrs.communities).toEqual([[65001, 7]]);
    expect(stored.attrs.largeCommunities).toEqual([[65001, 1, 2]]);

    // by prefix across members: exact, longest match, covering, covered
    expect(reg.routes({ prefix: '203.0.113.0/24' }).map((r) => r.memberId).sort()).toEqual(['m1', 'm2']);
    expect(reg.routes({ prefix: '203.0.113.7/32', match: 'longest' }).map((r) => r.prefix)).toEqual(['203.0.113.0/24', '203.0.113.0/24']);
    expect(reg.routes({ member: 'm1', prefix: '203.0.113.128/25', match: 'covering' }).map((r) => r.prefix)).toEqual([
      '203.0.0.0/16',
      '203.0.113.0/24',
    ]);
    expect(reg.routes({ member: 'm1', prefix: '203.0.0.0/8', match: 'covered' }).map((r) => r.prefix)).toEqual([
      '203.0.0.0/16',
      '203.0.113.0/24',
    ]);
    expect(reg.routes({ prefix: '2001:db8::/32', match: 'covered' }).map((r) => r.prefix)).toEqual(['2001:db8:200::/48']);
    expect(reg.routes({ router: '192.0.2.12' }).map((r) => r.prefix)).toEqual(['203.0.113.0/24']);
    expect(reg.routes({ family: 6 }).length).toBe(1);
    expect(() => reg.routes({ prefix: '203.0.113.1/24' })).toThrow(expect.objectContaining({ code: 'ROUTES_PREFIX_INVALID', field: 'prefix' }));
  });

  it('replaces a path on re-announcement, forgets it on withdrawal and on session loss', () => {
    const { reg } = labRegistry();
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24', { med: 10 }));
    const ch = reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24', { med: 20 }));
    expect(ch.before?.attrs.med).toBe(10);
    expect(ch.after?.attrs.med).toBe(20);
    expect(reg.size).toBe(1);
    expect(reg.withdraw('192.0.2.11', '203.0.113.0/24')?.before?.attrs.med).toBe(20);
    expect(reg.withdraw('192.0.2.11', '203.0.113.0/24')).toBeUndefined();
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    reg.learn(route('m1', '192.0.2.11', '198.51.100.0/24'));
    expect(reg.dropSession('192.0.2.11').map((c) => c.prefix).sort()).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
    expect(reg.size).toBe(0);
    expect(reg.routes({ prefix: '203.0.113.0/24' })).toEqual([]);
  });

  it('picks one path per member deterministically when several routers announce a prefix', () => {
    const { reg } = labRegistry();
    reg.setMember({ memberId: 'm1', asns: [65001], routers: ['192.0.2.11', '192.0.2.21'] });
    reg.learn(route('m1', '192.0.2.21', '203.0.113.0/24', { nextHop: '192.0.2.21' }));
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24', { asPath: seq(65001, 65001) }));
    const p = { family: 4 as const, bytes: new Uint8Array([203, 0, 113, 0]), len: 24 };
    expect(reg.memberRoute('m1', p)?.router).toBe('192.0.2.21'); // shorter AS path
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    expect(reg.memberRoute('m1', p)?.router).toBe('192.0.2.11'); // equal length: lower address
  });

  it('enforces max-prefix per session and family, rejecting the routes beyond it', () => {
    const { reg } = labRegistry({ ...LAB_FILTER, maxPrefixes: { ipv4: 2, ipv6: 1 } });
    const a = reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    reg.learn(route('m1', '192.0.2.11', '198.51.100.0/24'));
    const c = reg.learn(route('m1', '192.0.2.11', '192.0.2.0/24'));
    expect(a.after?.status).toBe('accepted');
    expect(c.after?.reasons).toEqual(['MAX_PREFIX_EXCEEDED']);
    expect(c.maxPrefixExceeded).toBe(true);
    // re-announcing an accepted prefix does not count twice
    expect(reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24', { med: 5 })).after?.status).toBe('accepted');
    // v6 has its own budget
    expect(reg.learn(route('m1', '2001:db8:4a::11', '2001:db8:1::/48', { nextHop: '2001:db8:4a::11' })).after?.status).toBe('accepted');
    expect(reg.sessionCount('192.0.2.11')).toEqual({ 4: 2, 6: 0 });
    // a member's policy overrides the default
    reg.setPolicy('m1', { maxPrefixes: { ipv4: 3, ipv6: 1 } });
    expect(reg.learn(route('m1', '192.0.2.11', '192.0.2.0/24')).after?.status).toBe('accepted');
  });

  it('re-validates routes when ROAs or prefix lists are loaded', () => {
    const { reg } = labRegistry();
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    reg.learn(route('m1', '192.0.2.11', '198.51.100.0/24'));
    reg.setRoas(createRoaSet([{ asn: 65009, prefix: '203.0.113.0/24', maxLength: 24 }]));
    const changes = reg.revalidate();
    expect(changes.map((c) => [c.prefix, c.after?.status, c.after?.reasons])).toEqual([['203.0.113.0/24', 'rejected', ['RPKI_INVALID']]]);
    expect(reg.routes({ prefix: '198.51.100.0/24' })[0].rpki).toBe('not-found');
    reg.setPrefixLists(parseBgpq4Json('{"AS65001":[{"prefix":"203.0.113.0/24","exact":true}]}'));
    reg.revalidate('m1');
    expect(reg.routes({ prefix: '198.51.100.0/24' })[0].reasons).toEqual(['IRR_NOT_LISTED']);
    expect(reg.routes({ prefix: '203.0.113.0/24' })[0].irr).toBe('match');
  });
});

describe('trade route registry: registered prefixes and policy', () => {
  it('registers prefixes idempotently and refuses bad ones with a named rule', () => {
    const { reg, clock } = labRegistry();
    const a = reg.registerPrefix('m2', '203.0.113.0/24', 'web');
    clock.advance(1000);
    expect(reg.registerPrefix('m2', '203.0.113.0/24', 'web')).toEqual(a);
    reg.registerPrefix('m2', '2001:db8:200::/48');
    expect(reg.registeredPrefixes('m2').map((r) => r.prefix)).toEqual(['2001:db8:200::/48', '203.0.113.0/24']);
    expect(reg.registeredPrefixes('m2', 4).map((r) => r.prefix)).toEqual(['203.0.113.0/24']);
    const bad: Array<[string, string]> = [
      ['203.0.113.1/24', 'ROUTES_PREFIX_INVALID'],
      ['banana', 'ROUTES_PREFIX_INVALID'],
      ['10.0.0.0/8', 'ROUTES_PREFIX_NOT_ALLOWED'],
      ['203.0.113.0/25', 'ROUTES_PREFIX_NOT_ALLOWED'],
      ['0.0.0.0/0', 'ROUTES_PREFIX_NOT_ALLOWED'],
    ];
    for (const [p, code] of bad) {
      expect(() => reg.registerPrefix('m2', p)).toThrow(expect.objectContaining({ code, field: 'prefix' }));
    }
    expect(reg.registeredPrefixes('m2').length).toBe(2);
    reg.unregisterPrefix('m2', '203.0.113.0/24');
    expect(() => reg.unregisterPrefix('m2', '203.0.113.0/24')).toThrow(expect.objectContaining({ code: 'ROUTES_PREFIX_NOT_REGISTERED' }));
  });

  it('keeps a routing policy with defaults and refuses bad fields without changing it', () => {
    const { reg } = labRegistry();
    expect(reg.policy('m1')).toEqual({ noExport: true, receiveBuyerPrefixes: true });
    expect(reg.setPolicy('m1', { noExport: false })).toEqual({ noExport: false, receiveBuyerPrefixes: true });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ noExport: 'no' }, 'noExport'],
      [{ receiveBuyerPrefixes: 1 }, 'receiveBuyerPrefixes'],
      [{ maxPrefixes: { ipv4: 0, ipv6: 1 } }, 'maxPrefixes.ipv4'],
      [{ maxPrefixes: { ipv4: 5 } }, 'maxPrefixes.ipv6'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [patch, field] of bad) {
      try {
        reg.setPolicy('m1', patch);
        expect.unreachable();
      } catch (e) {
        expect(routeErrors.is(e, 'ROUTES_POLICY_INVALID')).toBe(true);
        expect((e as { field: string }).field).toBe(field);
      }
    }
    expect(reg.policy('m1')).toEqual({ noExport: false, receiveBuyerPrefixes: true });
    expect(reg.setPolicy('m1', { maxPrefixes: { ipv4: 5, ipv6: 6 } }).maxPrefixes).toEqual({ ipv4: 5, ipv6: 6 });
    expect(reg.setPolicy('m1', { maxPrefixes: null }).maxPrefixes).toBeUndefined();
  });
});
