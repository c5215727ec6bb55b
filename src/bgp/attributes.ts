/**
 * Path attributes: one descriptor per attribute type with its expected flags, its RFC 7606 reaction
 * when malformed, and its decoder and encoder side by side. MP_REACH_NLRI / MP_UNREACH_NLRI are
 * located here and their NLRI handled by update.ts.
 */
import { BgpDecodeError, type ErrorAction } from './errors.ts';
import { ByteWriter, u16, u32 } from './bytes.ts';
import * as C from './constants.ts';
import { decodeAsPath, encodeAsPath, hasFourOctetAsn, reconcileAs4Path } from './as-path.ts';
import { formatIPv4, parseIPv4 } from './ip.ts';
import type { AsPathSegment, CodecContext, Origin, PathAttributes, UnknownAttribute } from './types.ts';

const OPT = C.ATTR_FLAG_OPTIONAL;
const TRANS = C.ATTR_FLAG_TRANSITIVE;
const ORIGINS: Origin[] = ['igp', 'egp', 'incomplete'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where MP_REACH_NLRI / MP_UNREACH_NLRI sit inside the message. */
export interface MpRange {
  afi: number;
  safi: number;
  /** Next hop bytes (MP_REACH only). */
  nhStart: number;
  nhLen: number;
  /** NLRI (reach) or withdrawn routes (unreach). */
  start: number;
  end: number;
}

export interface DecodeState {
  attrs: Partial<Mutable<PathAttributes>>;
  as4Path?: AsPathSegment[];
  as4Aggregator?: { asn: number; address: string };
  mpReach?: MpRange;
  mpUnreach?: MpRange;
  hasNextHopAttr: boolean;
}

class AttrFault extends Error {
  constructor(message: string, readonly subcode?: number) {
    super(message);
  }
}

interface AttributeDescriptor {
  type: number;
  name: string;
  /** Expected Optional and Transitive bits (RFC 4271 §5). */
  flags: number;
  /** RFC 7606 reaction to a malformed instance. */
  onError: ErrorAction;
  /** NOTIFICATION subcode used for a malformed value. */
  subcode: number;
  decode(b: Uint8Array, off: number, len: number, ctx: CodecContext, st: DecodeState): void;
  /** Writes the value; returns false when the attribute is absent. */
  encode(a: PathAttributes, ctx: CodecContext, w: ByteWriter): boolean;
}

function needLen(len: number, ok: boolean, name: string): void {
  if (!ok) throw new AttrFault(`${name} length ${len} is not valid`, C.UPD_ATTR_LENGTH);
}

function ipv4At(b: Uint8Array, off: number): string {
  return formatIPv4(u32(b, off));
}

function writeIPv4(w: ByteWriter, s: string): void {
  w.u32(parseIPv4(s) ?? 0);
}

const DESCRIPTORS: AttributeDescriptor[] = [
  {
    type: C.ATTR_ORIGIN, name: 'ORIGIN', flags: TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_INVALID_ORIGIN, // RFC 7606 §7.1
    decode(b, off, len, _ctx, st) {
      needLen(len, len === 1, 'ORIGIN');
      const o = ORIGINS[b[off]];
      if (!o) throw new AttrFault(`ORIGIN value ${b[off]} is not defined`, C.UPD_INVALID_ORIGIN);
      st.attrs.origin = o;
    },
    encode(a, _ctx, w) {
      w.u8(ORIGINS.indexOf(a.origin));
      return true;
    },
  },
  {
    type: C.ATTR_AS_PATH, name: 'AS_PATH', flags: TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_MALFORMED_AS_PATH, // RFC 7606 §7.2
    decode(b, off, len, ctx, st) {
      let segs: AsPathSegment[];
      try {
        segs = decodeAsPath(b, off, len, ctx.fourOctet ? 4 : 2);
      } catch (e) {
        throw new AttrFault((e as Error).message, C.UPD_MALFORMED_AS_PATH);
      }
      // RFC 7606 §7.2 / RFC 5065 §5.3: confederation segments from an external peer are malformed.
      if (!ctx.ibgp && segs.some((s) => s.type === 'confed-sequence' || s.type === 'confed-set')) {
        throw new AttrFault('AS_PATH from an external peer contains confederation segments', C.UPD_MALFORMED_AS_PATH);
      }
      st.attrs.asPath = segs;
    },
    encode(a, ctx, w) {
      encodeAsPath(a.asPath, ctx.fourOctet ? 4 : 2, w);
      return true;
    },
  },
  {
    type: C.ATTR_NEXT_HOP, name: 'NEXT_HOP', flags: TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_INVALID_NEXT_HOP, // RFC 7606 §7.3
    decode(b, off, len, _ctx, st) {
      needLen(len, len === 4, 'NEXT_HOP');
      const first = b[off];
      // RFC 4271 §6.3: a next hop that is not a valid unicast address is an error.
      if (u32(b, off) === 0 || first >= 224) throw new AttrFault(`NEXT_HOP ${ipv4At(b, off)} is not a unicast address`, C.UPD_INVALID_NEXT_HOP);
      st.attrs.nextHop = ipv4At(b, off);
      st.hasNextHopAttr = true;
    },
    encode(a, _ctx, w) {
      const n = parseIPv4(a.nextHop);
      if (n === undefined) return false;
      w.u32(n);
      return true;
    },
  },
  {
    type: C.ATTR_MED, name: 'MULTI_EXIT_DISC', flags: OPT, onError: 'treat-as-withdraw', subcode: C.UPD_ATTR_LENGTH, // RFC 7606 §7.4
    decode(b, off, len, _ctx, st) {
      needLen(len, len === 4, 'MULTI_EXIT_DISC');
      st.attrs.med = u32(b, off);
    },
    encode(a, _ctx, w) {
      if (a.med === undefined) return false;
      w.u32(a.med);
      return true;
    },
  },
  {
    type: C.ATTR_LOCAL_PREF, name: 'LOCAL_PREF', flags: TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_ATTR_LENGTH, // RFC 7606 §7.5
    decode(b, off, len, ctx, st) {
      if (!ctx.ibgp) return; // RFC 7606 §7.5: from an external neighbour it is discarded
      needLen(len, len === 4, 'LOCAL_PREF');
      st.attrs.localPref = u32(b, off);
    },
    encode(a, ctx, w) {
      if (a.localPref === undefined || !ctx.ibgp) return false;
      w.u32(a.localPref);
      return true;
    },
  },
  {
    type: C.ATTR_ATOMIC_AGGREGATE, name: 'ATOMIC_AGGREGATE', flags: TRANS, onError: 'attribute-discard', subcode: C.UPD_ATTR_LENGTH, // RFC 7606 §7.6
    decode(_b, _off, len, _ctx, st) {
      needLen(len, len === 0, 'ATOMIC_AGGREGATE');
      st.attrs.atomicAggregate = true;
    },
    encode(a) {
      return a.atomicAggregate === true;
    },
  },
  {
    type: C.ATTR_AGGREGATOR, name: 'AGGREGATOR', flags: OPT | TRANS, onError: 'attribute-discard', subcode: C.UPD_ATTR_LENGTH, // RFC 7606 §7.7
    decode(b, off, len, ctx, st) {
      if (ctx.fourOctet) {
        needLen(len, len === 8, 'AGGREGATOR');
        st.attrs.aggregator = { asn: u32(b, off), address: ipv4At(b, off + 4) };
      } else {
        needLen(len, len === 6, 'AGGREGATOR');
        st.attrs.aggregator = { asn: u16(b, off), address: ipv4At(b, off + 2) };
      }
    },
    encode(a, ctx, w) {
      if (!a.aggregator) return false;
      if (ctx.fourOctet) w.u32(a.aggregator.asn);
      else w.u16(a.aggregator.asn > 0xffff ? C.AS_TRANS : a.aggregator.asn);
      writeIPv4(w, a.aggregator.address);
      return true;
    },
  },
  {
    type: C.ATTR_COMMUNITIES, name: 'COMMUNITIES', flags: OPT | TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_OPTIONAL_ATTR, // RFC 7606 §7.8
    decode(b, off, len, _ctx, st) {
      needLen(len, len > 0 && len % 4 === 0, 'COMMUNITIES');
      const out = new Array<number>(len / 4);
      for (let i = 0; i < out.length; i++) out[i] = u32(b, off + i * 4);
      st.attrs.communities = out;
    },
    encode(a, _ctx, w) {
      if (!a.communities || a.communities.length === 0) return false;
      for (const c of a.communities) w.u32(c);
      return true;
    },
  },
  {
    type: C.ATTR_ORIGINATOR_ID, name: 'ORIGINATOR_ID', flags: OPT, onError: 'treat-as-withdraw', subcode: C.UPD_ATTR_LENGTH, // RFC 7606 §7.9
    decode(b, off, len, _ctx, st) {
      needLen(len, len === 4, 'ORIGINATOR_ID');
      st.attrs.originatorId = ipv4At(b, off);
    },
    encode(a, _ctx, w) {
      if (a.originatorId === undefined) return false;
      writeIPv4(w, a.originatorId);
      return true;
    },
  },
  {
    type: C.ATTR_CLUSTER_LIST, name: 'CLUSTER_LIST', flags: OPT, onError: 'treat-as-withdraw', subcode: C.UPD_ATTR_LENGTH, // RFC 7606 §7.10
    decode(b, off, len, _ctx, st) {
      needLen(len, len > 0 && len % 4 === 0, 'CLUSTER_LIST');
      const out: string[] = [];
      for (let p = off; p < off + len; p += 4) out.push(ipv4At(b, p));
      st.attrs.clusterList = out;
    },
    encode(a, _ctx, w) {
      if (!a.clusterList || a.clusterList.length === 0) return false;
      for (const c of a.clusterList) writeIPv4(w, c);
      return true;
    },
  },
  {
    // RFC 4760 §3; RFC 7606 §7.11: malformed → session reset (or AFI/SAFI disable).
    type: C.ATTR_MP_REACH, name: 'MP_REACH_NLRI', flags: OPT, onError: 'session-reset', subcode: C.UPD_OPTIONAL_ATTR,
    decode(b, off, len, _ctx, st) {
      if (len < 5) throw new AttrFault(`MP_REACH_NLRI length ${len} is too short`, C.UPD_ATTR_LENGTH);
      const afi = u16(b, off);
      const safi = b[off + 2];
      const nhLen = b[off + 3];
      if (off + 4 + nhLen + 1 > off + len) throw new AttrFault('MP_REACH_NLRI next hop overruns the attribute', C.UPD_ATTR_LENGTH);
      if (afi === C.AFI_IPV4 && safi === C.SAFI_UNICAST && nhLen !== 4 && nhLen !== 16 && nhLen !== 32) {
        throw new AttrFault(`MP_REACH_NLRI IPv4 next hop length ${nhLen} is not valid`, C.UPD_OPTIONAL_ATTR);
      }
      if (afi === C.AFI_IPV6 && safi === C.SAFI_UNICAST && nhLen !== 16 && nhLen !== 32) {
        throw new AttrFault(`MP_REACH_NLRI IPv6 next hop length ${nhLen} is not 16 or 32`, C.UPD_OPTIONAL_ATTR);
      }
      st.mpReach = { afi, safi, nhStart: off + 4, nhLen, start: off + 4 + nhLen + 1, end: off + len };
    },
    encode() {
      return false; // written by update.ts together with its NLRI
    },
  },
  {
    type: C.ATTR_MP_UNREACH, name: 'MP_UNREACH_NLRI', flags: OPT, onError: 'session-reset', subcode: C.UPD_OPTIONAL_ATTR,
    decode(b, off, len, _ctx, st) {
      if (len < 3) throw new AttrFault(`MP_UNREACH_NLRI length ${len} is too short`, C.UPD_ATTR_LENGTH);
      st.mpUnreach = { afi: u16(b, off), safi: b[off + 2], nhStart: 0, nhLen: 0, start: off + 3, end: off + len };
    },
    encode() {
      return false;
    },
  },
  {
    type: C.ATTR_EXT_COMMUNITIES, name: 'EXTENDED_COMMUNITIES', flags: OPT | TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_OPTIONAL_ATTR, // RFC 7606 §7.14
    decode(b, off, len, _ctx, st) {
      needLen(len, len > 0 && len % 8 === 0, 'EXTENDED_COMMUNITIES');
      const out: Uint8Array[] = [];
      for (let p = off; p < off + len; p += 8) out.push(b.slice(p, p + 8));
      st.attrs.extCommunities = out;
    },
    encode(a, _ctx, w) {
      if (!a.extCommunities || a.extCommunities.length === 0) return false;
      for (const c of a.extCommunities) w.bytes(c.subarray(0, 8));
      return true;
    },
  },
  {
    // RFC 6793 §6: malformed AS4_PATH is discarded; NEW speakers ignore it from NEW speakers (§4.2.3).
    type: C.ATTR_AS4_PATH, name: 'AS4_PATH', flags: OPT | TRANS, onError: 'attribute-discard', subcode: C.UPD_OPTIONAL_ATTR,
    decode(b, off, len, ctx, st) {
      if (ctx.fourOctet) return;
      let segs: AsPathSegment[];
      try {
        segs = decodeAsPath(b, off, len, 4);
      } catch (e) {
        throw new AttrFault((e as Error).message, C.UPD_OPTIONAL_ATTR);
      }
      if (segs.some((s) => s.type === 'confed-sequence' || s.type === 'confed-set')) {
        throw new AttrFault('AS4_PATH contains confederation segments', C.UPD_OPTIONAL_ATTR);
      }
      st.as4Path = segs;
    },
    encode(a, ctx, w) {
      if (ctx.fourOctet || !hasFourOctetAsn(a.asPath)) return false;
      encodeAsPath(a.asPath.filter((s) => s.type === 'sequence' || s.type === 'set'), 4, w);
      return true;
    },
  },
  {
    type: C.ATTR_AS4_AGGREGATOR, name: 'AS4_AGGREGATOR', flags: OPT | TRANS, onError: 'attribute-discard', subcode: C.UPD_OPTIONAL_ATTR,
    decode(b, off, len, ctx, st) {
      if (ctx.fourOctet) return;
      needLen(len, len === 8, 'AS4_AGGREGATOR');
      st.as4Aggregator = { asn: u32(b, off), address: ipv4At(b, off + 4) };
    },
    encode(a, ctx, w) {
      if (ctx.fourOctet || !a.aggregator || a.aggregator.asn <= 0xffff) return false;
      w.u32(a.aggregator.asn);
      writeIPv4(w, a.aggregator.address);
      return true;
    },
  },
  {
    type: C.ATTR_LARGE_COMMUNITIES, name: 'LARGE_COMMUNITY', flags: OPT | TRANS, onError: 'treat-as-withdraw', subcode: C.UPD_OPTIONAL_ATTR, // RFC 8092 §5
    decode(b, off, len, _ctx, st) {
      needLen(len, len > 0 && len % 12 === 0, 'LARGE_COMMUNITY');
      const out: Array<[number, number, number]> = [];
      for (let p = off; p < off + len; p += 12) out.push([u32(b, p), u32(b, p + 4), u32(b, p + 8)]);
      st.attrs.largeCommunities = out;
    },
    encode(a, _ctx, w) {
      if (!a.largeCommunities || a.largeCommunities.length === 0) return false;
      for (const [g, l1, l2] of a.largeCommunities) w.u32(g).u32(l1).u32(l2);
      return true;
    },
  },
];

const BY_TYPE: Array<AttributeDescriptor | undefined> = [];
for (const d of DESCRIPTORS) BY_TYPE[d.type] = d;

export function attributeName(type: number): string {
  return BY_TYPE[type]?.name ?? `attribute ${type}`;
}

export function isKnownAttribute(type: number, ctx?: CodecContext): boolean {
  if (ctx && ctx.as4Aware === false && (type === C.ATTR_AS4_PATH || type === C.ATTR_AS4_AGGREGATOR)) return false;
  return BY_TYPE[type] !== undefined;
}

export interface DecodedAttributes {
  st: DecodeState;
  unknown: UnknownAttribute[];
  /** RFC 7606 treat-as-withdraw: the first fault that demands it. */
  withdrawError?: BgpDecodeError;
  /** RFC 7606 attribute discard: attributes dropped. */
  discarded: BgpDecodeError[];
  /** Wire order and extended-length use, for byte-exact re-encoding. */
  order: number[];
  extended: number[];
  /** The section could not be parsed to its end (RFC 7606 §4). */
  truncated?: boolean;
}

/**
 * Parses the path attribute section [off, end). Throws BgpDecodeError for faults that need a
 * session reset; treat-as-withdraw and attribute-discard faults are returned (RFC 7606 §3, §7).
 */
export function decodeAttributes(b: Uint8Array, off: number, end: number, ctx: CodecContext): DecodedAttributes {
  const st: DecodeState = { attrs: {}, hasNextHopAttr: false };
  const out: DecodedAttributes = { st, unknown: [], discarded: [], order: [], extended: [] };
  const seen = new Set<number>();
  let p = off;
  while (p < end) {
    const flags = b[p];
    const type = b[p + 1];
    const ext = (flags & C.ATTR_FLAG_EXTENDED) !== 0;
    const hdr = ext ? 4 : 3;
    const len = p + hdr > end ? 0 : ext ? u16(b, p + 2) : b[p + 2];
    const vOff = p + hdr;
    if (p + hdr > end || vOff + len > end) {
      // RFC 7606 §4: the attribute section cannot be parsed to its end; Total Path Attribute Length
      // still locates the NLRI, so treat-as-withdraw (what was parsed so far, e.g. MP_REACH, is kept for that).
      out.withdrawError ??= new BgpDecodeError(
        p + hdr > end ? 'attribute header is truncated' : `${attributeName(type)} length ${len} overruns the attribute section`,
        C.ERR_UPDATE,
        C.UPD_MALFORMED_ATTR_LIST,
        new Uint8Array(0),
        'treat-as-withdraw',
      );
      out.truncated = true;
      break;
    }
    const whole = (): Uint8Array => b.slice(p, vOff + len);
    p = vOff + len;
    if (seen.has(type)) {
      // RFC 7606 §3(g): duplicates are discarded, except MP_REACH/MP_UNREACH which reset the session.
      if (type === C.ATTR_MP_REACH || type === C.ATTR_MP_UNREACH) {
        throw new BgpDecodeError(`${attributeName(type)} appears twice`, C.ERR_UPDATE, C.UPD_MALFORMED_ATTR_LIST);
      }
      out.discarded.push(new BgpDecodeError(`duplicate ${attributeName(type)} discarded`, C.ERR_UPDATE, C.UPD_MALFORMED_ATTR_LIST, whole(), 'attribute-discard'));
      continue;
    }
    seen.add(type);
    out.order.push(type);
    if (ext) out.extended.push(type);
    const d = isKnownAttribute(type, ctx) ? BY_TYPE[type] : undefined;
    if (!d) {
      if ((flags & OPT) === 0) {
        throw new BgpDecodeError(`well-known attribute ${type} is not recognized`, C.ERR_UPDATE, C.UPD_UNRECOGNIZED_WELL_KNOWN, whole());
      }
      // RFC 4271 §5: unknown optional transitive is passed on with Partial set; non-transitive is dropped.
      if (flags & TRANS) out.unknown.push({ flags: (flags | C.ATTR_FLAG_PARTIAL) & ~C.ATTR_FLAG_EXTENDED, type, value: b.slice(vOff, vOff + len) });
      continue;
    }
    let fault: AttrFault | undefined;
    if ((flags & (OPT | TRANS)) !== d.flags) {
      fault = new AttrFault(`${d.name} flags 0x${flags.toString(16)} are wrong`, C.UPD_ATTR_FLAGS); // RFC 7606 §3(c)
    } else {
      try {
        d.decode(b, vOff, len, ctx, st);
      } catch (e) {
        if (!(e instanceof AttrFault)) throw e;
        fault = e;
      }
    }
    if (fault) {
      const err = new BgpDecodeError(fault.message, C.ERR_UPDATE, fault.subcode ?? d.subcode, whole(), d.onError);
      if (d.onError === 'session-reset') throw err;
      if (d.onError === 'attribute-discard') out.discarded.push(err);
      else if (!out.withdrawError) out.withdrawError = err;
    }
  }
  return out;
}

/** RFC 6793 §4.2.3: merge AS4_PATH / AS4_AGGREGATOR received from an OLD speaker (call once). */
export function reconcileAs4(d: DecodedAttributes, ctx: CodecContext): void {
  const a = d.st.attrs;
  if (ctx.fourOctet || ctx.as4Aware === false) return;
  const agg = a.aggregator;
  // An AGGREGATOR with a real (non-AS_TRANS) ASN voids AS4_AGGREGATOR and AS4_PATH.
  if (agg && agg.asn !== C.AS_TRANS && d.st.as4Aggregator) return;
  if (agg && d.st.as4Aggregator) a.aggregator = d.st.as4Aggregator;
  if (d.st.as4Path && a.asPath) a.asPath = reconcileAs4Path(a.asPath, d.st.as4Path);
}

/** RFC 7606 §3(d): a missing mandatory attribute makes announced NLRI treat-as-withdraw. */
export function missingMandatory(d: DecodedAttributes, needNextHop: boolean): BgpDecodeError | undefined {
  const a = d.st.attrs;
  const missing = a.origin === undefined ? C.ATTR_ORIGIN : a.asPath === undefined ? C.ATTR_AS_PATH : needNextHop && !d.st.hasNextHopAttr ? C.ATTR_NEXT_HOP : 0;
  if (!missing) return undefined;
  return new BgpDecodeError(`mandatory ${attributeName(missing)} is missing`, C.ERR_UPDATE, C.UPD_MISSING_WELL_KNOWN, new Uint8Array([missing]), 'treat-as-withdraw');
}

/** Builds the attribute object; `mpNextHop` overrides NEXT_HOP for MP_REACH NLRI. */
export function buildAttributes(d: DecodedAttributes, mpNextHop?: { nextHop: string; linkLocal?: string }): PathAttributes {
  const a = d.st.attrs;
  const res: PathAttributes = {
    origin: a.origin ?? 'incomplete',
    asPath: a.asPath ?? [],
    nextHop: mpNextHop ? mpNextHop.nextHop : (a.nextHop ?? ''),
  };
  if (mpNextHop?.linkLocal) res.nextHopLinkLocal = mpNextHop.linkLocal;
  if (a.med !== undefined) res.med = a.med;
  if (a.localPref !== undefined) res.localPref = a.localPref;
  if (a.atomicAggregate) res.atomicAggregate = true;
  if (a.aggregator) res.aggregator = a.aggregator;
  if (a.communities) res.communities = a.communities;
  if (a.extCommunities) res.extCommunities = a.extCommunities;
  if (a.largeCommunities) res.largeCommunities = a.largeCommunities;
  if (a.originatorId !== undefined) res.originatorId = a.originatorId;
  if (a.clusterList) res.clusterList = a.clusterList;
  if (d.unknown.length) res.unknown = d.unknown;
  return res;
}

export interface EncodeOptions {
  /** Write NEXT_HOP (IPv4 NLRI in the classic field). */
  nextHop: boolean;
  /** Pre-encoded MP_REACH_NLRI / MP_UNREACH_NLRI values. */
  mpReach?: Uint8Array;
  mpUnreach?: Uint8Array;
  layout?: { order: number[]; extended: number[] };
}

/** Encodes the path attribute section in ascending type order, or in `layout.order` when given. */
export function encodeAttributes(a: PathAttributes | undefined, ctx: CodecContext, opts: EncodeOptions, w: ByteWriter): void {
  const values = new Map<number, { flags: number; value: Uint8Array }>();
  if (a) {
    const tmp = new ByteWriter(64);
    for (const d of DESCRIPTORS) {
      if (d.type === C.ATTR_NEXT_HOP && !opts.nextHop) continue;
      if (!isKnownAttribute(d.type, ctx)) continue;
      tmp.len = 0;
      if (d.encode(a, ctx, tmp)) values.set(d.type, { flags: d.flags, value: tmp.buf.slice(0, tmp.len) });
    }
    for (const u of a.unknown ?? []) {
      if (!values.has(u.type) && !isKnownAttribute(u.type, ctx)) values.set(u.type, { flags: u.flags | C.ATTR_FLAG_PARTIAL, value: u.value });
    }
  }
  if (opts.mpReach) values.set(C.ATTR_MP_REACH, { flags: OPT, value: opts.mpReach });
  if (opts.mpUnreach) values.set(C.ATTR_MP_UNREACH, { flags: OPT, value: opts.mpUnreach });
  const order: number[] = [];
  if (opts.layout) for (const t of opts.layout.order) if (values.has(t)) order.push(t);
  const rest = [...values.keys()].filter((t) => !order.includes(t)).sort((x, y) => x - y);
  order.push(...rest);
  for (const t of order) {
    const { flags, value } = values.get(t)!;
    const ext = value.length > 255 || (opts.layout?.extended.includes(t) ?? false);
    w.u8((flags & ~C.ATTR_FLAG_EXTENDED) | (ext ? C.ATTR_FLAG_EXTENDED : 0)).u8(t);
    if (ext) w.u16(value.length);
    else w.u8(value.length);
    w.bytes(value);
  }
}
