import { describe, expect, it } from 'vitest';
import { prefix } from '../../src/lib/index.ts';
import { createRoaSet, parseRoaJson } from '../../src/registry/route-rpki.ts';
import { parseBgpq4Json } from '../../src/registry/route-irr.ts';
import { routeErrors } from '../../src/registry/route-errors.ts';

// The shapes the tools write (abridged from their documentation/output).
const RPKI_CLIENT = JSON.stringify({
  metadata: { buildmachine: 'x', roas: 3 },
  roas: [
    { asn: 65001, prefix: '203.0.113.0/24', maxLength: 24, ta: 'ripe', expires: 1764000000 },
    { asn: 65001, prefix: '198.51.0.0/16', maxLength: 20, ta: 'arin', expires: 1764000000 },
    { asn: 0, prefix: '192.0.2.0/24', maxLength: 32, ta: 'apnic', expires: 1764000000 },
  ],
});
const ROUTINATOR = JSON.stringify({
  roas: [
    { asn: 'AS65002', prefix: '2001:db8::/32', maxLength: 48, ta: 'ripe' },
    { asn: 'AS65003', prefix: '203.0.113.0/24', maxLength: 24, ta: 'ripe' },
  ],
});

describe('ROA files (rpki-client and Routinator JSON)', () => {
  it('parses both ASN spellings and validates per RFC 6811', () => {
    const set = createRoaSet([...parseRoaJson(RPKI_CLIENT), ...parseRoaJson(ROUTINATOR)]);
    expect(set.size).toBe(5);
    const table: Array<[string, number | undefined, string]> = [
      ['203.0.113.0/24', 65001, 'valid'],
      ['203.0.113.0/24', 65003, 'valid'], // two ROAs for one prefix: either origin is valid
      ['203.0.113.0/24', 65004, 'invalid'],
      ['203.0.113.0/24', undefined, 'invalid'], // origin NONE (path ends with an AS_SET)
      ['198.51.16.0/20', 65001, 'valid'],
      ['198.51.16.0/21', 65001, 'invalid'], // longer than maxLength
      ['198.51.0.0/16', 65002, 'invalid'],
      ['192.0.2.0/24', 0, 'invalid'], // AS0 ROA never validates (RFC 6483 §4)
      ['192.0.2.0/24', 65001, 'invalid'],
      ['8.8.8.0/24', 65001, 'not-found'],
      ['198.0.0.0/8', 65001, 'not-found'], // covers ROAs but is not covered by one
      ['2001:db8:1::/48', 65002, 'valid'],
      ['2001:db8:1::/49', 65002, 'invalid'],
      ['2001:db9::/32', 65002, 'not-found'],
    ];
    for (const [p, origin, want] of table) expect([p, origin, set.validate(prefix(p), origin)]).toEqual([p, origin, want]);
  });

  it('defaults maxLength to the prefix length', () => {
    const set = createRoaSet(parseRoaJson('{"roas":[{"asn":"as65001","prefix":"203.0.113.0/24"}]}'));
    expect(set.validate(prefix('203.0.113.0/24'), 65001)).toBe('valid');
    expect(set.validate(prefix('203.0.113.0/25'), 65001)).toBe('invalid');
  });

  it.each([
    ['not JSON', '{roas', 'roas'],
    ['no roas array', '{"vrps":[]}', 'roas'],
    ['bad asn', '{"roas":[{"asn":"ASX","prefix":"203.0.113.0/24","maxLength":24}]}', 'roas[0].asn'],
    ['asn too big', '{"roas":[{"asn":4294967296,"prefix":"203.0.113.0/24","maxLength":24}]}', 'roas[0].asn'],
    ['host bits', '{"roas":[{"asn":1,"prefix":"203.0.113.1/24","maxLength":24}]}', 'roas[0].prefix'],
    ['maxLength below length', '{"roas":[{"asn":1,"prefix":"203.0.113.0/24","maxLength":23}]}', 'roas[0].maxLength'],
    ['maxLength above 32', '{"roas":[{"asn":1,"prefix":"203.0.113.0/24","maxLength":33}]}', 'roas[0].maxLength'],
    ['second entry bad', '{"roas":[{"asn":1,"prefix":"203.0.113.0/24"},{"asn":1}]}', 'roas[1].prefix'],
  ])('refuses a malformed ROA file: %s', (_n, text, field) => {
    try {
      parseRoaJson(text);
      expect.unreachable();
    } catch (e) {
      expect(routeErrors.is(e, 'ROUTES_ROA_FILE_INVALID')).toBe(true);
      expect((e as { field?: string }).field).toBe(field);
    }
  });
});

describe('IRR prefix lists (bgpq4 -j)', () => {
  const text = JSON.stringify({
    AS65001: [
      { prefix: '203.0.113.0/24', exact: true },
      { prefix: '198.51.0.0/16', exact: false, 'greater-equal': 20, 'less-equal': 24 },
      { prefix: '100.0.0.0/8', exact: false, 'less-equal': 12 },
      { prefix: '120.0.0.0/8', exact: false, 'greater-equal': 30 },
      { prefix: '2001:db8::/32', exact: false },
    ],
    AS65002: [{ prefix: '8.8.8.0/24', exact: true }],
  });

  it('parses every list and matches with router prefix-list semantics', () => {
    const lists = parseBgpq4Json(text);
    expect(lists.map((l) => l.name)).toEqual(['AS65001', 'AS65002']);
    const l = lists[0];
    const table: Array<[string, boolean]> = [
      ['203.0.113.0/24', true],
      ['203.0.113.0/25', false], // exact
      ['198.51.0.0/16', false], // below ge
      ['198.51.16.0/20', true],
      ['198.51.100.0/24', true],
      ['198.51.100.0/25', false], // above le
      ['100.0.0.0/8', true], // only le: len..le
      ['100.16.0.0/12', true],
      ['100.16.0.0/13', false],
      ['120.0.0.0/24', false], // only ge: ge..32
      ['120.0.0.4/30', true],
      ['2001:db8:1::/48', true], // exact false without bounds: len..max
      ['8.8.8.0/24', false],
    ];
    for (const [p, want] of table) expect([p, l.matches(prefix(p))]).toEqual([p, want]);
  });

  it.each([
    ['not JSON', 'nope'],
    ['array at top', '[]'],
    ['list not an array', '{"AS1":{}}'],
    ['bad prefix', '{"AS1":[{"prefix":"1.2.3.4/8","exact":true}]}'],
    ['le below length', '{"AS1":[{"prefix":"10.0.0.0/8","exact":false,"less-equal":7}]}'],
    ['ge above le', '{"AS1":[{"prefix":"10.0.0.0/8","exact":false,"greater-equal":20,"less-equal":16}]}'],
  ])('refuses a malformed bgpq4 file: %s', (_n, t) => {
    expect(() => parseBgpq4Json(t)).toThrow(expect.objectContaining({ code: 'ROUTES_IRR_FILE_INVALID' }));
  });
});
