/**
 * Applies a received UPDATE to an Adj-RIB-In on the fast path: attribute blobs are looked up in the
 * intern cache by their raw bytes and decoded only on a miss; prefixes are read straight from the
 * message into the compact tables; `Route` objects are made only when the caller collects them.
 * RFC 7606 reactions: treat-as-withdraw turns announcements into withdrawals, session-reset faults throw.
 */
import { Buffer } from 'node:buffer';
import { BgpDecodeError } from './errors.ts';
import * as C from './constants.ts';
import { buildAttributes, decodeAttributes, missingMandatory, reconcileAs4 } from './attributes.ts';
import { AttrIntern, deepFreeze, type AttrRecord, type AttrRef } from './attr-intern.ts';
import type { AdjRibIn } from './adj-rib-in.ts';
import { forEachPrefix } from './nlri.ts';
import { formatIPv4, formatPrefix, type Family } from './ip.ts';
import { afiFamily, decodeMpNextHop, splitUpdate } from './update.ts';
import type { CodecContext, PathAttributes, Route } from './types.ts';

export interface IngestContext extends CodecContext {
  families: readonly Family[];
  /** Our ASN: routes whose AS_PATH contains it are loops (RFC 4271 §9.1.2). */
  localAsn?: number;
}

export interface FamilyChange {
  family: Family;
  announced: number;
  withdrawn: number;
  /** Collect mode 'objects'. */
  announcedRoutes?: Route[];
  withdrawnPrefixes?: string[];
  /** Collect mode 'batches': the one attribute set of these announcements, and compact prefix lists. */
  attrs?: PathAttributes;
  batch?: PrefixBatch;
}

/**
 * Compact prefix lists: IPv4 as [addr, len] pairs, IPv6 as 17 bytes each (length, 16 network bytes);
 * path ids in parallel when add-path is on.
 */
export class PrefixBatch {
  readonly announced: number[] = [];
  readonly withdrawn: number[] = [];
  announcedPathIds?: number[];
  withdrawnPathIds?: number[];
  constructor(readonly family: Family) {}

  push(list: number[], addr: Uint8Array | number, len: number): void {
    if (typeof addr === 'number') list.push(addr, len);
    else {
      list.push(len);
      for (let i = 0; i < 16; i++) list.push(addr[i]);
    }
  }

  static typed(f: Family, list: number[]): Uint32Array | Uint8Array {
    return f === 'ipv4' ? Uint32Array.from(list) : Uint8Array.from(list);
  }
}

export type CollectMode = boolean | 'objects' | 'batches';

export interface IngestResult {
  changes: FamilyChange[];
  endOfRib?: Family;
  treatAsWithdraw?: BgpDecodeError;
  discarded: BgpDecodeError[];
  /** Announcements for families not negotiated (ignored, RFC 4760 §7). */
  ignored: number;
  /** Prefixes dropped because their AS_PATH holds our own ASN (RFC 4271 §9.1.2). */
  loops: number;
}

function ctxTag(ctx: IngestContext): string {
  return `${ctx.fourOctet ? 4 : 2}${ctx.as4Aware === false ? 'o' : 'n'}${ctx.ibgp ? 'i' : 'e'}${ctx.localAsn ?? ''}|`;
}

interface Scan {
  key: string;
  reach?: { afi: number; safi: number; nhStart: number; nhLen: number; start: number; end: number };
  unreach?: { afi: number; safi: number; start: number; end: number };
  onlyUnreach: boolean;
}

/** Walks attribute headers only; returns undefined when the section is malformed (the full decoder then reports it). */
function scanAttributes(buf: Buffer, s: number, e: number, tag: string): Scan | undefined {
  let key = tag;
  let p = s;
  let segStart = s;
  const out: Scan = { key: '', onlyUnreach: true };
  while (p < e) {
    if (p + 3 > e) return undefined;
    const flags = buf[p];
    const type = buf[p + 1];
    const ext = (flags & C.ATTR_FLAG_EXTENDED) !== 0;
    if (ext && p + 4 > e) return undefined;
    const len = ext ? (buf[p + 2] << 8) | buf[p + 3] : buf[p + 2];
    const v = p + (ext ? 4 : 3);
    if (v + len > e) return undefined;
    if (type !== C.ATTR_MP_UNREACH) out.onlyUnreach = false;
    if (type === C.ATTR_MP_REACH) {
      if (len < 5 || out.reach) return undefined;
      const nhLen = buf[v + 3];
      if (v + 4 + nhLen + 1 > v + len) return undefined;
      out.reach = { afi: (buf[v] << 8) | buf[v + 1], safi: buf[v + 2], nhStart: v + 4, nhLen, start: v + 5 + nhLen, end: v + len };
      key += buf.toString('latin1', segStart, p) + buf.toString('latin1', v, v + 4 + nhLen);
      segStart = v + len;
    } else if (type === C.ATTR_MP_UNREACH) {
      if (len < 3 || out.unreach) return undefined;
      out.unreach = { afi: (buf[v] << 8) | buf[v + 1], safi: buf[v + 2], start: v + 3, end: v + len };
      key += buf.toString('latin1', segStart, p);
      segStart = v + len;
    }
    p = v + len;
  }
  out.key = key + buf.toString('latin1', segStart, e);
  return out;
}

function buildRecord(msg: Uint8Array, s: number, e: number, ctx: IngestContext, key: string, scan: Scan): AttrRecord {
  const d = decodeAttributes(msg, s, e, ctx);
  reconcileAs4(d, ctx);
  const classic = deepFreeze(buildAttributes(d));
  const mpNh = scan.reach ? decodeMpNextHop(msg, scan.reach.nhStart, scan.reach.nhLen) : undefined;
  const mp = mpNh ? deepFreeze(buildAttributes(d, mpNh)) : classic;
  const own = ctx.localAsn;
  const loop = own !== undefined && classic.asPath.some((seg) => seg.asns.includes(own));
  const rec = { key, refs: 0, discarded: d.discarded, loop } as unknown as AttrRecord;
  rec.classic = { attrs: classic, record: rec };
  rec.mp = { attrs: mp, record: rec };
  const classicError = d.withdrawError ?? missingMandatory(d, true);
  const mpError = d.withdrawError ?? missingMandatory(d, false);
  if (classicError) rec.classicError = classicError;
  if (mpError) rec.mpError = mpError;
  return rec;
}

/** The change record of a family (and, in 'batches' mode, of one attribute set for announcements). */
function change(changes: FamilyChange[], f: Family, collect: CollectMode, attrs?: PathAttributes): FamilyChange {
  let c = changes.find((x) => x.family === f && (collect !== 'batches' || attrs === undefined || x.attrs === undefined || x.attrs === attrs));
  if (!c) {
    c = { family: f, announced: 0, withdrawn: 0 };
    if (collect === 'batches') c.batch = new PrefixBatch(f);
    else if (collect) {
      c.announcedRoutes = [];
      c.withdrawnPrefixes = [];
    }
    changes.push(c);
  }
  if (attrs && collect === 'batches') c.attrs = attrs;
  return c;
}

/**
 * IPv4 NLRI without path ids straight into numbers (RFC 4271 §4.3); trailing bits beyond the length
 * are cleared. A malformed field resets the session (RFC 7606 §5.3). Returns the prefix count.
 */
function v4Walk(b: Uint8Array, start: number, end: number, cb: (addr: number, len: number) => void): number {
  let p = start;
  let n = 0;
  while (p < end) {
    const len = b[p++];
    if (len > 32) throw new BgpDecodeError(`prefix length ${len} exceeds 32`, C.ERR_UPDATE, C.UPD_INVALID_NETWORK);
    const nb = (len + 7) >> 3;
    if (p + nb > end) throw new BgpDecodeError('prefix overruns the NLRI field', C.ERR_UPDATE, C.UPD_INVALID_NETWORK);
    let addr = 0;
    for (let i = 0; i < 4; i++) addr = addr * 256 + (i < nb ? b[p + i] : 0);
    p += nb;
    if (len < 32) addr = len === 0 ? 0 : (addr & ((0xffffffff << (32 - len)) >>> 0)) >>> 0;
    cb(addr, len);
    n++;
  }
  return n;
}

export function ingestUpdate(msg: Uint8Array, ctx: IngestContext, intern: AttrIntern, rib: AdjRibIn, collect: CollectMode): IngestResult {
  const buf = Buffer.isBuffer(msg) ? msg : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  const s = splitUpdate(buf);
  const res: IngestResult = { changes: [], discarded: [], ignored: 0, loops: 0 };
  if (s.wStart === s.wEnd && s.aStart === s.aEnd && s.nStart === s.nEnd) {
    res.endOfRib = 'ipv4';
    return res;
  }
  const ap4 = ctx.addPathIpv4 === true;
  const ap6 = ctx.addPathIpv6 === true;
  /** Removes the prefixes of [start, end); returns how many prefixes the field held. */
  const withdraw = (f: Family, addPath: boolean, start: number, end: number): number => {
    const c = change(res.changes, f, collect);
    const b = c.batch;
    if (f === 'ipv4' && !addPath) {
      return v4Walk(buf, start, end, (addr, len) => {
        if (rib.removeV4(addr, len)) {
          c.withdrawn++;
          if (b) b.withdrawn.push(addr, len);
          else c.withdrawnPrefixes?.push(`${formatIPv4(addr)}/${len}`);
        }
      });
    }
    let n = 0;
    forEachPrefix(buf, start, end, f, addPath, (addr, len, pathId) => {
      n++;
      if (rib.remove(f, addr, len, pathId)) {
        c.withdrawn++;
        if (b) {
          b.push(b.withdrawn, f === 'ipv4' ? ((addr[0] << 24) | (addr[1] << 16) | (addr[2] << 8) | addr[3]) >>> 0 : addr, len);
          if (addPath) (b.withdrawnPathIds ??= []).push(pathId);
        } else c.withdrawnPrefixes?.push(formatPrefix(f, addr, len));
      }
    });
    return n;
  };
  const announce = (f: Family, addPath: boolean, start: number, end: number, ref: AttrRef, err: BgpDecodeError | undefined): void => {
    if (err) {
      res.treatAsWithdraw ??= err;
      withdraw(f, addPath, start, end);
      return;
    }
    if (ref.record.loop) {
      // RFC 4271 §9.1.2: a path holding our own ASN is unfeasible; it replaces (withdraws) what we had.
      res.loops += withdraw(f, addPath, start, end);
      return;
    }
    const c = change(res.changes, f, collect, ref.attrs);
    const b = c.batch;
    if (f === 'ipv4' && !addPath) {
      const routes = c.announcedRoutes;
      const n = v4Walk(
        buf,
        start,
        end,
        b
          ? (addr, len) => {
              rib.addV4(addr, len, ref);
              b.announced.push(addr, len);
            }
          : routes
            ? (addr, len) => {
                rib.addV4(addr, len, ref);
                routes.push({ prefix: `${formatIPv4(addr)}/${len}`, attrs: ref.attrs });
              }
            : (addr, len) => rib.addV4(addr, len, ref),
      );
      c.announced += n;
      return;
    }
    forEachPrefix(buf, start, end, f, addPath, (addr, len, pathId) => {
      rib.add(f, addr, len, pathId, ref);
      c.announced++;
      if (b) {
        b.push(b.announced, f === 'ipv4' ? ((addr[0] << 24) | (addr[1] << 16) | (addr[2] << 8) | addr[3]) >>> 0 : addr, len);
        if (addPath) (b.announcedPathIds ??= []).push(pathId);
      } else if (c.announcedRoutes) {
        const prefix = formatPrefix(f, addr, len);
        c.announcedRoutes.push(pathId ? { prefix, pathId, attrs: ref.attrs } : { prefix, attrs: ref.attrs });
      }
    });
  };

  if (s.wEnd > s.wStart) withdraw('ipv4', ap4, s.wStart, s.wEnd);

  let rec: AttrRecord | undefined;
  let scan: Scan | undefined;
  if (s.aEnd > s.aStart) {
    scan = scanAttributes(buf, s.aStart, s.aEnd, ctxTag(ctx));
    if (!scan) {
      // Slow path: the full decoder throws for session-reset faults, or reports the section as
      // unparsable (RFC 7606 §4) — then everything this UPDATE announces is withdrawn.
      const d = decodeAttributes(buf, s.aStart, s.aEnd, ctx);
      res.treatAsWithdraw = d.withdrawError ?? new BgpDecodeError('malformed attribute list', C.ERR_UPDATE, C.UPD_MALFORMED_ATTR_LIST, new Uint8Array(0), 'treat-as-withdraw');
      if (s.nEnd > s.nStart) withdraw('ipv4', ap4, s.nStart, s.nEnd);
      for (const r of [d.st.mpReach, d.st.mpUnreach]) {
        const f = r && afiFamily(r.afi, r.safi);
        if (r && f && ctx.families.includes(f)) withdraw(f, f === 'ipv4' ? ap4 : ap6, r.start, r.end);
      }
      return res;
    }
    if (!scan.onlyUnreach) {
      rec = intern.get(scan.key);
      if (!rec) {
        rec = buildRecord(buf, s.aStart, s.aEnd, ctx, scan.key, scan); // cached on first reference
      }
      res.discarded = rec.discarded;
    } else {
      decodeAttributes(buf, s.aStart, s.aEnd, ctx); // validates flags / duplicates
    }
    const u = scan.unreach;
    if (u) {
      const f = afiFamily(u.afi, u.safi);
      if (f && ctx.families.includes(f)) {
        if (u.start === u.end && scan.onlyUnreach && s.wEnd === s.wStart && s.nEnd === s.nStart) res.endOfRib = f;
        else withdraw(f, f === 'ipv4' ? ap4 : ap6, u.start, u.end);
      }
    }
  }
  if (s.nEnd > s.nStart) {
    if (!rec) {
      res.treatAsWithdraw = new BgpDecodeError('NLRI without path attributes', C.ERR_UPDATE, C.UPD_MISSING_WELL_KNOWN, new Uint8Array([C.ATTR_ORIGIN]), 'treat-as-withdraw');
      withdraw('ipv4', ap4, s.nStart, s.nEnd);
    } else if (ctx.families.includes('ipv4')) announce('ipv4', ap4, s.nStart, s.nEnd, rec.classic, rec.classicError);
    else res.ignored++;
  }
  const r = scan?.reach;
  if (r && rec) {
    const f = afiFamily(r.afi, r.safi);
    if (f && ctx.families.includes(f)) announce(f, f === 'ipv4' ? ap4 : ap6, r.start, r.end, rec.mp, rec.mpError);
    else res.ignored++;
  }
  return res;
}

export { AttrIntern };
