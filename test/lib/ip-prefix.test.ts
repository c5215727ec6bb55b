import { isIPv4, isIPv6, SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalIP, canonicalPrefix, containsPrefix, formatIPv6, parseIP, parsePrefix, prefix } from '../../src/lib/index.ts';

describe('IP addresses', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: the first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero word is not shortened
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80:0000:0000:0000:0204:61ff:fe9d:f156', 'fe80::204:61ff:fe9d:f156'],
  ])('canonical form of %s is %s', (input, want) => {
    expect(canonicalIP(input)).toBe(want);
  });

  it.each(['010.0.0.1', '1.2.3', '1.2.3.256', '::1::', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '', 'abc', '1.2.3.4 ', '12345::'])(
    'refuses %j',
    (bad) => {
      expect(parseIP(bad)).toBeUndefined();
    },
  );

  it('agrees with Node on arbitrary IPv6 addresses', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const mine = canonicalIP(s);
        expect(mine).toBeDefined();
        expect(isIPv6(mine!)).toBe(true);
        // Node normalises through SocketAddress; both must denote the same 16 bytes.
        expect(new SocketAddress({ address: mine!, family: 'ipv6' }).address).toBe(
          new SocketAddress({ address: s, family: 'ipv6' }).address,
        );
      }),
    );
  });

  it('round-trips arbitrary IPv4 addresses', () => {
    fc.assert(
      fc.property(fc.ipV4(), (s) => {
        expect(isIPv4(s)).toBe(true);
        expect(canonicalIP(s)).toBe(s);
      }),
    );
  });

  it('formats the longest zero run as ::', () => {
    const b = new Uint8Array(16);
    b[15] = 1;
    expect(formatIPv6(b)).toBe('::1');
  });
});

describe('prefixes', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['203.0.113.7/32', '203.0.113.7/32'],
  ])('canonical %s', (s, want) => expect(canonicalPrefix(s)).toBe(want));

  it.each([
    ['10.0.0.1/8', 'host bits'],
    ['10.0.0.0', 'CIDR'],
    ['10.0.0.0/33', 'length'],
    ['10.0.0.0/08', 'length'],
    ['2001:db8::/129', 'length'],
    ['x/8', 'address'],
  ])('refuses %s naming the rule', (s, rule) => {
    const r = parsePrefix(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(rule);
  });

  it('containment', () => {
    expect(containsPrefix(prefix('10.0.0.0/8'), prefix('10.1.0.0/16'))).toBe(true);
    expect(containsPrefix(prefix('10.1.0.0/16'), prefix('10.0.0.0/8'))).toBe(false);
    expect(containsPrefix(prefix('10.0.0.0/9'), prefix('10.128.0.0/16'))).toBe(false);
    expect(containsPrefix(prefix('0.0.0.0/0'), prefix('2001:db8::/32'))).toBe(false);
    expect(containsPrefix(prefix('2001:db8::/32'), prefix('2001:db8:1::/48'))).toBe(true);
  });
});
