/** The route model shared by the codec, the RIBs and the speaker API. */

export type AsPathSegmentType = 'sequence' | 'set' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  type: AsPathSegmentType;
  asns: number[];
}

export type Origin = 'igp' | 'egp' | 'incomplete';

export interface UnknownAttribute {
  flags: number;
  type: number;
  value: Uint8Array;
}

export interface PathAttributes {
  origin: Origin;
  asPath: AsPathSegment[];
  /** IPv4 NEXT_HOP, or the MP_REACH_NLRI next hop for IPv6 routes. */
  nextHop: string;
  /** Second (link-local) IPv6 next hop of MP_REACH_NLRI (RFC 2545 §3). */
  nextHopLinkLocal?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997 values as unsigned 32-bit numbers. */
  communities?: number[];
  /** RFC 4360 8-octet values. */
  extCommunities?: Uint8Array[];
  /** RFC 8092 (global administrator, local data 1, local data 2). */
  largeCommunities?: Array<[number, number, number]>;
  originatorId?: string;
  clusterList?: string[];
  /** Unknown optional transitive attributes, kept opaque; flags carry the Partial bit (RFC 4271 §5). */
  unknown?: UnknownAttribute[];
}

export interface Route {
  /** Canonical CIDR. */
  prefix: string;
  /** RFC 7911 path identifier. */
  pathId?: number;
  attrs: PathAttributes;
}

export interface Nlri {
  prefix: string;
  pathId?: number;
}

/** What the attribute codec needs to know about the session (RFC 6793, RFC 7606 §7.5). */
export interface CodecContext {
  /** Both ends announced the 4-octet ASN capability: AS_PATH and AGGREGATOR carry 4-octet ASNs. */
  fourOctet: boolean;
  /** We implement RFC 6793 (default true); false = behave as an OLD speaker, AS4_* attributes stay opaque. */
  as4Aware?: boolean;
  /** The peer is internal: LOCAL_PREF expected and kept. */
  ibgp?: boolean;
  /** Path identifiers present in received (decode) or sent (encode) NLRI, per family (RFC 7911). */
  addPathIpv4?: boolean;
  addPathIpv6?: boolean;
}
