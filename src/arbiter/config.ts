/**
 * Config section `bgp`: the route server. Empty `listen` (and no `--bgp-listen`) means no route
 * server runs; the route registry and its API still work. Flags: `bandex serve --bgp-listen
 * HOST:PORT`; environment `BANDEX_BGP_LISTEN`, `BANDEX_BGP_ASN`, …
 */
export const bgpConfigDefaults = {
  /** HOST:PORT the route server listens on (`[::]:179` for both families); empty: no route server. */
  listen: '',
  /** The route server's ASN: in OPEN, and the global administrator of trade large communities. */
  asn: 64999,
  /** BGP identifier; empty: the listen address when it is IPv4, else required. */
  routerId: '',
  /** The route server's IPv4 / IPv6 address on the exchange LAN, for generated router configs; default: the listen host. */
  lanAddress4: '',
  lanAddress6: '',
  /** Port dialled on member routers (they may dial us too; collisions resolve per RFC 4271 §6.8). */
  peerPort: 179,
  /** Never dial members, only accept. */
  passive: false,
  holdTime: 90,
  /** rpki-client / Routinator JSON with the validated ROA payloads; empty: no origin validation. */
  rpkiFile: '',
  /** bgpq4 -j JSON with one prefix list per member ASN (named AS<asn>); empty: no IRR check. */
  irrFile: '',
  /** `member`: next hop must be one of the member's routers; `peer`: the session's router itself. */
  nextHop: 'member',
  ipv4MinLength: 8,
  ipv4MaxLength: 24,
  ipv6MinLength: 16,
  ipv6MaxLength: 48,
  maxAsPathLength: 64,
  rejectAsSet: true,
  rpkiRejectInvalid: true,
  irrRejectUnlisted: true,
  /** Let RFC 5737/3849 documentation prefixes through (labs and tests only). */
  allowDocumentationPrefixes: false,
  /** Let RFC 6996 private ASNs through (labs, private-ASN members). */
  allowPrivateAsns: false,
  allowDocumentationAsns: false,
  /** Default per-session max-prefix limits (a member's routing policy may override them). */
  maxPrefixesIpv4: 10_000,
  maxPrefixesIpv6: 5_000,
  /** `reject` the routes beyond the limit, or `teardown` the session too (restarted after maxPrefixRestartSec). */
  maxPrefixAction: 'reject',
  maxPrefixRestartSec: 300,
};

export type BgpConfig = typeof bgpConfigDefaults;
