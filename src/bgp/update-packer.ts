/**
import { Buffer } from 'node:buffer';
 * Packs Adj-RIB-Out changes into UPDATE messages: one encoded attribute section per distinct
 * attribute set, as many NLRI behind it as fit in the negotiated message size (4096, or 65535 with
 * RFC 8654), IPv6 through MP_REACH/MP_UNREACH (RFC 4760 §3–4), path ids when add-path sends (RFC 7911).
 */
import * as C from './constants.ts';
import { writeHeader } from './header.ts';
import { ByteWriter } from './bytes.ts';
import { encodeMpNextHop } from './update.ts';
import type { OutEntry } from './adj-rib-out.ts';
import type { Family } from './ip.ts';
import type { PathAttributes } from './types.ts';

export interface PackOptions {
  maxLength: number;
  addPathIpv4: boolean;
  addPathIpv6: boolean;
  /** Encoded path attribute section (without MP attributes) and the next hop, as sent to this peer. */
  exportAttrs(attrs: PathAttributes, family: Family): { section: Uint8Array; nextHop: string; nextHopLinkLocal?: string };
  /** Routes whose attributes alone exceed the message size (only extended messages could carry them). */
  onUnsendable?(count: number, family: Family): void;
}

function nlriSize(e: OutEntry, addPath: boolean): number {
  return 1 + ((e.length + 7) >> 3) + (addPath ? 4 : 0);
}

function writeNlri(out: Uint8Array, p: number, e: OutEntry, addPath: boolean): number {
  if (addPath) {
    out[p++] = e.pathId >>> 24;
    out[p++] = (e.pathId >>> 16) & 255;
    out[p++] = (e.pathId >>> 8) & 255;
    out[p++] = e.pathId & 255;
  }
  out[p++] = e.length;
  const n = (e.length + 7) >> 3;
  if (e.bytes) out.set(e.bytes, p);
  else for (let i = 0; i < n; i++) out[p + i] = (e.addr >>> (24 - 8 * i)) & 255;
  return p + n;
}

/** How many entries from `i` fit in `room` bytes. */
function fit(list: OutEntry[], i: number, room: number, addPath: boolean): [number, number] {
  let used = 0;
  let j = i;
  while (j < list.length) {
    const n = nlriSize(list[j], addPath);
    if (used + n > room) break;
    used += n;
    j++;
  }
  return [j, used];
}

export function* packUpdates(changes: Iterable<{ entry: OutEntry; announce: boolean }>, o: PackOptions): Generator<Uint8Array> {
  const withdraw4: OutEntry[] = [];
  const withdraw6: OutEntry[] = [];
  // Group announcements by attribute object and family, then merge groups whose exported sections are equal.
  const byAttrs = new Map<PathAttributes, [OutEntry[], OutEntry[]]>();
  for (const c of changes) {
    const e = c.entry;
    if (!c.announce) (e.family === 'ipv4' ? withdraw4 : withdraw6).push(e);
    else {
      let l = byAttrs.get(e.route.attrs);
      if (!l) byAttrs.set(e.route.attrs, (l = [[], []]));
      l[e.family === 'ipv4' ? 0 : 1].push(e);
    }
  }
  const max = o.maxLength;
  // IPv4 withdrawals in the Withdrawn Routes field.
  for (let i = 0; i < withdraw4.length; ) {
    const [j, used] = fit(withdraw4, i, max - 23, o.addPathIpv4);
    const msg = new Uint8Array(23 + used);
    writeHeader(msg, 0, msg.length, C.MSG_UPDATE);
    msg[19] = used >> 8;
    msg[20] = used & 255;
    let p = 21;
    for (let k = i; k < j; k++) p = writeNlri(msg, p, withdraw4[k], o.addPathIpv4);
    i = j;
    yield msg;
  }
  // IPv6 withdrawals in MP_UNREACH_NLRI.
  for (let i = 0; i < withdraw6.length; ) {
    const [j, used] = fit(withdraw6, i, max - 23 - 7, o.addPathIpv6);
    const attrLen = 7 + used;
    const msg = new Uint8Array(23 + attrLen);
    writeHeader(msg, 0, msg.length, C.MSG_UPDATE);
    msg[21] = attrLen >> 8;
    msg[22] = attrLen & 255;
    msg.set([C.ATTR_FLAG_OPTIONAL | C.ATTR_FLAG_EXTENDED, C.ATTR_MP_UNREACH, (used + 3) >> 8, (used + 3) & 255, 0, C.AFI_IPV6, C.SAFI_UNICAST], 23);
    let p = 30;
    for (let k = i; k < j; k++) p = writeNlri(msg, p, withdraw6[k], o.addPathIpv6);
    i = j;
    yield msg;
  }
  const groups = new Map<string, { family: Family; section: Uint8Array; nextHop: string; ll?: string; lists: OutEntry[][] }>();
  for (const [attrs, lists] of byAttrs) {
    for (const fam of ['ipv4', 'ipv6'] as Family[]) {
      const mine = lists[fam === 'ipv4' ? 0 : 1];
      if (mine.length === 0) continue;
      const ex = o.exportAttrs(attrs, fam);
      const key = `${fam}|${ex.nextHop}|${ex.nextHopLinkLocal ?? ''}|${Buffer.from(ex.section.buffer, ex.section.byteOffset, ex.section.length).toString('latin1')}`;
      const g = groups.get(key);
      if (g) g.lists.push(mine);
      else groups.set(key, { family: fam, section: ex.section, nextHop: ex.nextHop, ...(ex.nextHopLinkLocal ? { ll: ex.nextHopLinkLocal } : {}), lists: [mine] });
    }
  }
  for (const g of groups.values()) {
    const list = g.lists.length === 1 ? g.lists[0] : g.lists.flat();
    if (g.family === 'ipv4') {
      const room = max - 23 - g.section.length;
      for (let i = 0; i < list.length; ) {
        const [j, used] = fit(list, i, room, o.addPathIpv4);
        if (j === i) {
          o.onUnsendable?.(list.length - i, 'ipv4'); // attributes too large for any NLRI
          break;
        }
        const msg = new Uint8Array(23 + g.section.length + used);
        writeHeader(msg, 0, msg.length, C.MSG_UPDATE);
        msg[21] = g.section.length >> 8;
        msg[22] = g.section.length & 255;
        msg.set(g.section, 23);
        let p = 23 + g.section.length;
        for (let k = i; k < j; k++) p = writeNlri(msg, p, list[k], o.addPathIpv4);
        i = j;
        yield msg;
      }
    } else {
      const nh = new ByteWriter(40);
      encodeMpNextHop(nh, C.AFI_IPV6, g.nextHop, g.ll);
      const mpHead = 4 + 3 + nh.len + 1; // attr header (extended) + afi/safi + nh + reserved
      const room = max - 23 - g.section.length - mpHead;
      for (let i = 0; i < list.length; ) {
        const [j, used] = fit(list, i, room, o.addPathIpv6);
        if (j === i) {
          o.onUnsendable?.(list.length - i, 'ipv6');
          break;
        }
        const mpLen = 3 + nh.len + 1 + used;
        const attrLen = g.section.length + 4 + mpLen;
        const msg = new Uint8Array(23 + attrLen);
        writeHeader(msg, 0, msg.length, C.MSG_UPDATE);
        msg[21] = attrLen >> 8;
        msg[22] = attrLen & 255;
        let p = 23;
        // MP_REACH_NLRI first, as most speakers do.
        msg.set([C.ATTR_FLAG_OPTIONAL | C.ATTR_FLAG_EXTENDED, C.ATTR_MP_REACH, mpLen >> 8, mpLen & 255, 0, C.AFI_IPV6, C.SAFI_UNICAST], p);
        p += 7;
        msg.set(nh.buf.subarray(0, nh.len), p);
        p += nh.len;
        msg[p++] = 0;
        for (let k = i; k < j; k++) p = writeNlri(msg, p, list[k], o.addPathIpv6);
        msg.set(g.section, p);
        i = j;
        yield msg;
      }
    }
  }
}
