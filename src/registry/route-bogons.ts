/**
 * Bogon prefixes and ASNs, as IXP route servers filter them (RFC 7948 §4.6 practice).
 *
 * Prefixes: the special-purpose registries of RFC 6890 (with their later updates), plus the
 * default route. The documentation ranges (RFC 5737, RFC 3849) are bogons on the Internet, but
 * lab and test exchanges announce them (our own end-to-end tests use 203.0.113.0/24), so they
 * carry the `documentation` tag and the filter config `allowDocumentationPrefixes` lets them
 * through. A route is a bogon when it lies inside (or equals) a bogon prefix.
 *
 * ASNs: 0 (RFC 7607), AS_TRANS 23456 (RFC 6793), documentation (RFC 5398), private use
 * (RFC 6996), last ASNs (RFC 7300) and IANA-reserved 65552–131071. Private ASNs are tagged
 * `private` and documentation ASNs `documentation`, both allowable by config for labs.
 */
import { PrefixTrie, prefix as parse } from '../lib/index.ts';
import type { Prefix } from '../lib/index.ts';

export type BogonTag = 'special' | 'documentation' | 'private';

export interface BogonPrefix {
  readonly prefix: string;
  readonly tag: BogonTag;
  readonly rfc: string;
}

export const BOGON_PREFIXES: readonly BogonPrefix[] = [
  { prefix: '0.0.0.0/8', tag: 'special', rfc: 'RFC 1122 "this network"' },
  { prefix: '10.0.0.0/8', tag: 'special', rfc: 'RFC 1918 private' },
  { prefix: '100.64.0.0/10', tag: 'special', rfc: 'RFC 6598 shared address space' },
  { prefix: '127.0.0.0/8', tag: 'special', rfc: 'RFC 1122 loopback' },
  { prefix: '169.254.0.0/16', tag: 'special', rfc: 'RFC 3927 link local' },
  { prefix: '172.16.0.0/12', tag: 'special', rfc: 'RFC 1918 private' },
  { prefix: '192.0.0.0/24', tag: 'special', rfc: 'RFC 6890 IETF protocol assignments' },
  { prefix: '192.0.2.0/24', tag: 'documentation', rfc: 'RFC 5737 TEST-NET-1' },
  { prefix: '192.88.99.0/24', tag: 'special', rfc: 'RFC 7526 deprecated 6to4 relay anycast' },
  { prefix: '192.168.0.0/16', tag: 'special', rfc: 'RFC 1918 private' },
  { prefix: '198.18.0.0/15', tag: 'special', rfc: 'RFC 2544 benchmarking' },
  { prefix: '198.51.100.0/24', tag: 'documentation', rfc: 'RFC 5737 TEST-NET-2' },
  { prefix: '203.0.113.0/24', tag: 'documentation', rfc: 'RFC 5737 TEST-NET-3' },
  { prefix: '224.0.0.0/4', tag: 'special', rfc: 'RFC 5771 multicast' },
  { prefix: '240.0.0.0/4', tag: 'special', rfc: 'RFC 1112 reserved, incl. limited broadcast' },
  { prefix: '::/8', tag: 'special', rfc: 'RFC 4291 loopback, unspecified, IPv4-mapped' },
  { prefix: '100::/64', tag: 'special', rfc: 'RFC 6666 discard-only' },
  { prefix: '2001:2::/48', tag: 'special', rfc: 'RFC 5180 benchmarking' },
  { prefix: '2001:10::/28', tag: 'special', rfc: 'RFC 4843 ORCHID' },
  { prefix: '2001:db8::/32', tag: 'documentation', rfc: 'RFC 3849 documentation' },
  { prefix: '2002::/16', tag: 'special', rfc: 'RFC 7526 6to4' },
  { prefix: '3ffe::/16', tag: 'special', rfc: 'RFC 3701 old 6bone' },
  { prefix: 'fc00::/7', tag: 'special', rfc: 'RFC 4193 unique local' },
  { prefix: 'fe80::/10', tag: 'special', rfc: 'RFC 4291 link local' },
  { prefix: 'fec0::/10', tag: 'special', rfc: 'RFC 3879 site local' },
  { prefix: 'ff00::/8', tag: 'special', rfc: 'RFC 4291 multicast' },
];

export interface BogonAsnRange {
  readonly from: number;
  readonly to: number;
  readonly tag: BogonTag;
  readonly rfc: string;
}

export const BOGON_ASNS: readonly BogonAsnRange[] = [
  { from: 0, to: 0, tag: 'special', rfc: 'RFC 7607' },
  { from: 23456, to: 23456, tag: 'special', rfc: 'RFC 6793 AS_TRANS' },
  { from: 64496, to: 64511, tag: 'documentation', rfc: 'RFC 5398' },
  { from: 64512, to: 65534, tag: 'private', rfc: 'RFC 6996' },
  { from: 65535, to: 65535, tag: 'special', rfc: 'RFC 7300' },
  { from: 65536, to: 65551, tag: 'documentation', rfc: 'RFC 5398' },
  { from: 65552, to: 131071, tag: 'special', rfc: 'IANA reserved' },
  { from: 4200000000, to: 4294967294, tag: 'private', rfc: 'RFC 6996' },
  { from: 4294967295, to: 4294967295, tag: 'special', rfc: 'RFC 7300' },
];

export interface BogonOptions {
  /** Let RFC 5737 / RFC 3849 documentation prefixes through (labs, tests). Default false. */
  readonly allowDocumentationPrefixes?: boolean;
  /** Let RFC 6996 private ASNs through (labs, tests, private-ASN members). Default false. */
  readonly allowPrivateAsns?: boolean;
  /** Let RFC 5398 documentation ASNs through. Default false. */
  readonly allowDocumentationAsns?: boolean;
  /** Further prefixes to treat as bogons (canonical CIDR). */
  readonly extraPrefixes?: readonly string[];
  /** Reject IPv6 routes outside global unicast 2000::/3. Default true. */
  readonly ipv6GlobalUnicastOnly?: boolean;
}

export interface BogonMatcher {
  /** The bogon entry containing `p`, or undefined when `p` is not a bogon. */
  prefix(p: Prefix): BogonPrefix | undefined;
  /** The bogon range containing `asn`, or undefined. */
  asn(asn: number): BogonAsnRange | undefined;
}

export function createBogonMatcher(opts: BogonOptions = {}): BogonMatcher {
  const trie = new PrefixTrie<BogonPrefix>();
  for (const b of BOGON_PREFIXES) {
    if (b.tag === 'documentation' && opts.allowDocumentationPrefixes) continue;
    trie.set(parse(b.prefix), b);
  }
  for (const x of opts.extraPrefixes ?? []) trie.set(parse(x), { prefix: x, tag: 'special', rfc: 'configured' });
  const asns = BOGON_ASNS.filter(
    (r) =>
      !(r.tag === 'private' && opts.allowPrivateAsns) && !(r.tag === 'documentation' && opts.allowDocumentationAsns),
  );
  const v6GlobalOnly = opts.ipv6GlobalUnicastOnly ?? true;
  return {
    prefix(p) {
      if (p.len === 0) return { prefix: p.family === 4 ? '0.0.0.0/0' : '::/0', tag: 'special', rfc: 'default route' };
      const hit = trie.longestMatch(p);
      if (hit) return hit.value;
      if (p.family === 6 && v6GlobalOnly && !(p.len >= 3 && (p.bytes[0] & 0xe0) === 0x20)) {
        return { prefix: '2000::/3', tag: 'special', rfc: 'RFC 4291 outside global unicast' };
      }
      return undefined;
    },
    asn(asn) {
      for (const r of asns) if (asn >= r.from && asn <= r.to) return r;
      return undefined;
    },
  };
}
