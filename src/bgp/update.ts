/**
 * UPDATE message (RFC 4271 §4.3) with MP_REACH/MP_UNREACH (RFC 4760), add-path NLRI (RFC 7911),
 * End-of-RIB markers (RFC 4724 §2) and RFC 7606 error reactions.
 */
import { BgpDecodeError } from './errors.ts';
import { ByteWriter, u16 } from './bytes.ts';
import * as C from './constants.ts';
import { buildAttributes, decodeAttributes, encodeAttributes, missingMandatory, reconcileAs4, type DecodedAttributes } from './attributes.ts';
import { decodePrefixes, encodePrefix } from './nlri.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6, type Family } from './ip.ts';
import { frame } from './header.ts';
import type { CodecContext, Nlri, PathAttributes } from './types.ts';

export interface MpReach {
  afi: number;
  safi: number;
  nextHop: string;
  nextHopLinkLocal?: string;
  nlri: Nlri[];
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: Nlri[];
}

export interface UpdateMessage {
  withdrawn: Nlri[];
  attrs?: PathAttributes;
  nlri: Nlri[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 7606: the announced NLRI must be handled as withdrawn. */
  treatAsWithdraw?: BgpDecodeError;
  /** RFC 7606 attribute discard: what was dropped. */
  discarded?: BgpDecodeError[];
  /** Attribute wire order and extended-length use (byte-exact re-encoding). */
  layout?: { order: number[]; extended: number[] };
}

export interface UpdateSections {
  wStart: number;
  wEnd: number;
  aStart: number;
  aEnd: number;
  nStart: number;
  nEnd: number;
}

/** RFC 4271 §6.3: inconsistent Withdrawn Routes / Total Path Attribute lengths → Malformed Attribute List. */
export function splitUpdate(msg: Uint8Array): UpdateSections {
  const end = msg.length;
  const p = C.HEADER_LENGTH;
  const wLen = u16(msg, p);
  const wStart = p + 2;
  const wEnd = wStart + wLen;
  if (wEnd + 2 > end) throw new BgpDecodeError(`withdrawn routes length ${wLen} overruns the message`, C.ERR_UPDATE, C.UPD_MALFORMED_ATTR_LIST);
  const aLen = u16(msg, wEnd);
  const aStart = wEnd + 2;
  const aEnd = aStart + aLen;
  if (aEnd > end) throw new BgpDecodeError(`total path attribute length ${aLen} overruns the message`, C.ERR_UPDATE, C.UPD_MALFORMED_ATTR_LIST);

  return { wStart, wEnd, aStart, aEnd, nStart: aEnd, nEnd: end };
}

export function afiFamily(afi: number, safi: number): Family | undefined {
  if (safi !== C.SAFI_UNICAST) return undefined;
  return afi === C.AFI_IPV4 ? 'ipv4' : afi === C.AFI_IPV6 ? 'ipv6' : undefined;
}

export function familyAfi(f: Family): number {
  return f === 'ipv4' ? C.AFI_IPV4 : C.AFI_IPV6;
}

function addPathFor(ctx: CodecContext, f: Family): boolean {
  return f === 'ipv4' ? ctx.addPathIpv4 === true : ctx.addPathIpv6 === true;
}

/** Decodes the MP_REACH next hop: one address, or global + link-local for 32-octet IPv6 (RFC 2545 §3). */
export function decodeMpNextHop(b: Uint8Array, off: number, len: number): { nextHop: string; linkLocal?: string } {
  if (len === 4) return { nextHop: formatIPv4(((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0) };
  if (len === 16) return { nextHop: formatIPv6(b, off) };
  if (len === 32) return { nextHop: formatIPv6(b, off), linkLocal: formatIPv6(b, off + 16) };
  return { nextHop: '' };
}

export function decodeUpdate(msg: Uint8Array, ctx: CodecContext): UpdateMessage {
  const s = splitUpdate(msg);
  const withdrawn = decodePrefixes(msg, s.wStart, s.wEnd, 'ipv4', ctx.addPathIpv4 === true);
  const nlri = decodePrefixes(msg, s.nStart, s.nEnd, 'ipv4', ctx.addPathIpv4 === true);
  const out: UpdateMessage = { withdrawn, nlri };
  if (s.aEnd === s.aStart) {
    // RFC 4271 §5: NLRI without path attributes is missing the mandatory ones.
    if (nlri.length) {
      out.treatAsWithdraw = new BgpDecodeError('mandatory ORIGIN is missing', C.ERR_UPDATE, C.UPD_MISSING_WELL_KNOWN, new Uint8Array([C.ATTR_ORIGIN]), 'treat-as-withdraw');
    }
    return out;
  }
  const d: DecodedAttributes = decodeAttributes(msg, s.aStart, s.aEnd, ctx);
  let mpNh: { nextHop: string; linkLocal?: string } | undefined;
  const r = d.st.mpReach;
  if (r) {
    const fam = afiFamily(r.afi, r.safi);
    mpNh = decodeMpNextHop(msg, r.nhStart, r.nhLen);
    out.mpReach = { afi: r.afi, safi: r.safi, nextHop: mpNh.nextHop, nlri: fam ? decodePrefixes(msg, r.start, r.end, fam, addPathFor(ctx, fam)) : [] };
    if (mpNh.linkLocal) out.mpReach.nextHopLinkLocal = mpNh.linkLocal;
  }
  const u = d.st.mpUnreach;
  if (u) {
    const fam = afiFamily(u.afi, u.safi);
    out.mpUnreach = { afi: u.afi, safi: u.safi, withdrawn: fam ? decodePrefixes(msg, u.start, u.end, fam, addPathFor(ctx, fam)) : [] };
  }
  const onlyUnreach = d.order.length === 1 && d.order[0] === C.ATTR_MP_UNREACH;
  if (!onlyUnreach) {
    reconcileAs4(d, ctx);
    out.attrs = buildAttributes(d, d.st.hasNextHopAttr ? undefined : mpNh);
    const hasReach = nlri.length > 0 || (out.mpReach?.nlri.length ?? 0) > 0;
    if (hasReach && !d.withdrawError) d.withdrawError = missingMandatory(d, nlri.length > 0);
  }
  if (d.withdrawError) out.treatAsWithdraw = d.withdrawError;
  if (d.discarded.length) out.discarded = d.discarded;
  out.layout = { order: d.order, extended: d.extended };
  return out;
}

export function encodeMpNextHop(w: ByteWriter, afi: number, nextHop: string, linkLocal?: string): void {
  const v4 = parseIPv4(nextHop);
  if (v4 !== undefined) {
    w.u8(4).u32(v4);
    return;
  }
  const v6 = parseIPv6(nextHop);
  if (!v6) {
    w.u8(afi === C.AFI_IPV4 ? 4 : 16).bytes(new Uint8Array(afi === C.AFI_IPV4 ? 4 : 16));
    return;
  }
  const ll = linkLocal ? parseIPv6(linkLocal) : undefined;
  w.u8(ll ? 32 : 16).bytes(v6);
  if (ll) w.bytes(ll);
}

export function encodeMpReachValue(r: MpReach, ctx: CodecContext): Uint8Array {
  const w = new ByteWriter(64);
  w.u16(r.afi).u8(r.safi);
  encodeMpNextHop(w, r.afi, r.nextHop, r.nextHopLinkLocal);
  w.u8(0);
  const fam = afiFamily(r.afi, r.safi) ?? 'ipv4';
  for (const n of r.nlri) encodePrefix(w, n, addPathFor(ctx, fam));
  return w.result();
}

export function encodeMpUnreachValue(u: MpUnreach, ctx: CodecContext): Uint8Array {
  const w = new ByteWriter(64);
  w.u16(u.afi).u8(u.safi);
  const fam = afiFamily(u.afi, u.safi) ?? 'ipv4';
  for (const n of u.withdrawn) encodePrefix(w, n, addPathFor(ctx, fam));
  return w.result();
}

export function encodeUpdate(u: UpdateMessage, ctx: CodecContext): Uint8Array {
  const w = new ByteWriter(256);
  const ap4 = ctx.addPathIpv4 === true;
  w.u16(0);
  for (const n of u.withdrawn) encodePrefix(w, n, ap4);
  w.patchU16(0, w.len - 2);
  const aLenAt = w.len;
  w.u16(0);
  const writeNextHop = u.layout ? u.layout.order.includes(C.ATTR_NEXT_HOP) : u.nlri.length > 0 || (!u.mpReach && parseIPv4(u.attrs?.nextHop ?? '') !== undefined);
  encodeAttributes(
    u.attrs,
    ctx,
    {
      nextHop: writeNextHop,
      ...(u.mpReach ? { mpReach: encodeMpReachValue(u.mpReach, ctx) } : {}),
      ...(u.mpUnreach ? { mpUnreach: encodeMpUnreachValue(u.mpUnreach, ctx) } : {}),
      ...(u.layout ? { layout: u.layout } : {}),
    },
    w,
  );
  w.patchU16(aLenAt, w.len - aLenAt - 2);
  for (const n of u.nlri) encodePrefix(w, n, ap4);
  return frame(C.MSG_UPDATE, w.result());
}

/** RFC 4724 §2: an empty UPDATE (IPv4) or one with only an empty MP_UNREACH_NLRI is End-of-RIB. */
export function endOfRibFamily(u: UpdateMessage): Family | undefined {
  if (u.withdrawn.length || u.nlri.length || u.mpReach) return undefined;
  if (!u.attrs && !u.mpUnreach) return 'ipv4';
  if (!u.attrs && u.mpUnreach && u.mpUnreach.withdrawn.length === 0) return afiFamily(u.mpUnreach.afi, u.mpUnreach.safi);
  return undefined;
}

export function encodeEndOfRib(f: Family): Uint8Array {
  if (f === 'ipv4') return frame(C.MSG_UPDATE, new Uint8Array(4));
  return frame(C.MSG_UPDATE, new Uint8Array([0, 0, 0, 6, C.ATTR_FLAG_OPTIONAL, C.ATTR_MP_UNREACH, 3, 0, C.AFI_IPV6, C.SAFI_UNICAST]));
}
