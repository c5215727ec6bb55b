/**
 * AS_PATH and AS4_PATH (RFC 4271 §4.3, RFC 5065 §3 confederation segments, RFC 6793 §4.2.3
 * reconciliation of AS_PATH with AS4_PATH when talking to an OLD 2-octet speaker).
 */
import type { ByteWriter } from './bytes.ts';
import { AS_TRANS } from './constants.ts';
import type { AsPathSegment, AsPathSegmentType } from './types.ts';

const SEGMENT_TYPES: Record<number, AsPathSegmentType> = { 1: 'set', 2: 'sequence', 3: 'confed-sequence', 4: 'confed-set' };
const SEGMENT_CODES: Record<AsPathSegmentType, number> = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 };

/** Throws a plain Error with the reason; the attribute table wraps it with code/subcode/action. */
export function decodeAsPath(b: Uint8Array, off: number, len: number, asnSize: 2 | 4): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  const end = off + len;
  let p = off;
  while (p < end) {
    if (p + 2 > end) throw new Error('AS_PATH segment header is truncated');
    const type = SEGMENT_TYPES[b[p]];
    const count = b[p + 1];
    if (!type) throw new Error(`AS_PATH segment type ${b[p]} is not valid`);
    if (count === 0) throw new Error('AS_PATH segment is empty'); // RFC 7606 §7.2
    p += 2;
    if (p + count * asnSize > end) throw new Error('AS_PATH segment overruns the attribute');
    const asns = new Array<number>(count);
    if (asnSize === 4) {
      for (let i = 0; i < count; i++, p += 4) asns[i] = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    } else {
      for (let i = 0; i < count; i++, p += 2) asns[i] = (b[p] << 8) | b[p + 1];
    }
    out.push({ type, asns });
  }
  return out;
}

/** Segments longer than 255 ASNs are split (RFC 4271 §5.1.2). */
export function encodeAsPath(segs: AsPathSegment[], asnSize: 2 | 4, w: ByteWriter): void {
  for (const s of segs) {
    for (let i = 0; i < s.asns.length || (i === 0 && s.asns.length === 0); i += 255) {
      const part = s.asns.slice(i, i + 255);
      if (part.length === 0) break;
      w.u8(SEGMENT_CODES[s.type]).u8(part.length);
      for (const a of part) {
        if (asnSize === 4) w.u32(a);
        else w.u16(a > 0xffff ? AS_TRANS : a);
      }
    }
  }
}

/** Path length for route selection and RFC 6793 §4.2.3: a set counts 1, confederation segments 0. */
export function asPathLength(segs: AsPathSegment[]): number {
  let n = 0;
  for (const s of segs) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

export function hasFourOctetAsn(segs: AsPathSegment[]): boolean {
  for (const s of segs) for (const a of s.asns) if (a > 0xffff) return true;
  return false;
}

/**
 * RFC 6793 §4.2.3: if AS_PATH is shorter than AS4_PATH, AS4_PATH is ignored; otherwise the leading
 * (len(AS_PATH) − len(AS4_PATH)) ASes of AS_PATH are prepended to AS4_PATH.
 */
export function reconcileAs4Path(asPath: AsPathSegment[], as4Path: AsPathSegment[]): AsPathSegment[] {
  const n2 = asPathLength(asPath);
  const n4 = asPathLength(as4Path);
  if (n2 < n4) return asPath;
  let keep = n2 - n4;
  const head: AsPathSegment[] = [];
  for (const s of asPath) {
    if (keep <= 0) break;
    if (s.type === 'confed-sequence' || s.type === 'confed-set') {
      head.push({ type: s.type, asns: s.asns.slice() });
      continue;
    }
    if (s.type === 'set') {
      head.push({ type: 'set', asns: s.asns.slice() });
      keep -= 1;
      continue;
    }
    const take = Math.min(keep, s.asns.length);
    head.push({ type: 'sequence', asns: s.asns.slice(0, take) });
    keep -= take;
  }
  const out = [...head];
  for (const s of as4Path) {
    const last = out[out.length - 1];
    if (last && last.type === 'sequence' && s.type === 'sequence' && last.asns.length + s.asns.length <= 255) {
      out[out.length - 1] = { type: 'sequence', asns: [...last.asns, ...s.asns] };
    } else out.push({ type: s.type, asns: s.asns.slice() });
  }
  return out;
}

/** Prepends `asn` to the leading AS_SEQUENCE, or starts one (RFC 4271 §5.1.2). */
export function prependAsn(segs: AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segs[0];
  if (first && first.type === 'sequence' && first.asns.length < 255) {
    return [{ type: 'sequence', asns: [asn, ...first.asns] }, ...segs.slice(1)];
  }
  return [{ type: 'sequence', asns: [asn] }, ...segs];
}

/** "65001 65002 {65003,65004}" */
export function formatAsPath(segs: AsPathSegment[]): string {
  return segs
    .map((s) => {
      const inner = s.asns.join(s.type === 'set' || s.type === 'confed-set' ? ',' : ' ');
      if (s.type === 'set') return `{${inner}}`;
      if (s.type === 'confed-sequence') return `(${inner})`;
      if (s.type === 'confed-set') return `[${inner}]`;
      return inner;
    })
    .join(' ');
}


