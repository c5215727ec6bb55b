/**
 * Own IP/prefix helpers (src/bgp imports nothing else of the project). IPv4 addresses are
 * unsigned 32-bit numbers, IPv6 addresses 16-byte arrays; text follows RFC 5952.
 */
import { BgpError } from './errors.ts';

export type Family = 'ipv4' | 'ipv6';

export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseIPv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (s.indexOf('.', lastColon) >= 0) {
    // Embedded IPv4 tail (::ffff:192.0.2.1): rewrite it as two hex groups.
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const groups = (t: string): number[] | undefined => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let words: number[];
  if (dbl >= 0) {
    const a = groups(text.slice(0, dbl));
    const b = groups(text.slice(dbl + 2));
    if (!a || !b || a.length + b.length > 7) return undefined;
    words = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else {
    const a = groups(text);
    if (!a || a.length !== 8) return undefined;
    words = a;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 255;
  }
  return out;
}

/** RFC 5952 text: lower case, longest run (≥2) of zero words compressed, first one on ties. */
export function formatIPv6(b: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + i * 2] << 8) | b[off + i * 2 + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart === 0 && bestLen === 5 && w[5] === 0xffff) {
    return `::ffff:${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`;
  }
  const hex = w.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface ParsedPrefix {
  family: Family;
  /** Network bytes, 4 or 16 long. */
  bytes: Uint8Array;
  length: number;
}

/** Parses canonical CIDR; host bits must be zero. Returns undefined on anything else. */
export function parsePrefix(s: string): ParsedPrefix | undefined {
  const fast = parseIPv4PrefixFast(s);
  if (fast) return fast;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const length = Number(lenText);
  let bytes: Uint8Array | undefined;
  let family: Family;
  if (addr.includes(':')) {
    family = 'ipv6';
    bytes = parseIPv6(addr);
    if (!bytes || length > 128) return undefined;
  } else {
    family = 'ipv4';
    const n = parseIPv4(addr);
    if (n === undefined || length > 32) return undefined;
    bytes = new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  }
  if (!hostBitsZero(bytes, length)) return undefined;
  return { family, bytes, length };
}

/**
 * Hand-rolled IPv4 "a.b.c.d/len" parser for hot paths (the Adj-RIB-Out takes millions): strict (no
 * leading zeros, host bits zero) and allocation-free. Returns address × 64 + length, or -1.
 */
export function parseIPv4PrefixPacked(s: string): number {
  let addr = 0;
  let part = 0;
  let v = -1;
  let digits = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && v === 0) return -1;
      v = v < 0 ? c - 48 : v * 10 + (c - 48);
      if (v > 255 || ++digits > 3) return -1;
    } else if ((c === 46 && part < 3) || (c === 47 && part === 3)) {
      if (v < 0) return -1;
      addr = addr * 256 + v;
      part++;
      v = -1;
      digits = 0;
      if (c === 47) break;
    } else return -1;
  }
  if (part !== 4 || i >= s.length) return -1;
  let len = -1;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57 || len === 0) return -1; // digits only, no leading zero
    len = len < 0 ? c - 48 : len * 10 + (c - 48);
    if (len > 32) return -1;
  }
  if (len < 0) return -1;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if ((addr & ~mask) >>> 0 !== 0) return -1;
  return addr * 64 + len;
}

function parseIPv4PrefixFast(s: string): ParsedPrefix | undefined {
  const p = parseIPv4PrefixPacked(s);
  if (p < 0) return undefined;
  const addr = Math.floor(p / 64);
  return { family: 'ipv4', bytes: new Uint8Array([addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255]), length: p % 64 };
}

export function parsePrefixOrThrow(s: string, field = 'prefix'): ParsedPrefix {
  const p = parsePrefix(s);
  if (!p) throw new BgpError('BGP_INVALID_PREFIX', `${field}: "${s}" is not canonical CIDR (address/length, host bits zero)`, field);
  return p;
}

function hostBitsZero(b: Uint8Array, len: number): boolean {
  for (let bit = len; bit < b.length * 8; bit++) {
    if (b[bit >> 3] & (0x80 >> (bit & 7))) return false;
  }
  return true;
}

export function formatPrefix(family: Family, bytes: Uint8Array, length: number, off = 0): string {
  if (family === 'ipv4') {
    const n = ((bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3]) >>> 0;
    return `${formatIPv4(n)}/${length}`;
  }
  return `${formatIPv6(bytes, off)}/${length}`;
}

export function familyOfAddress(s: string): Family | undefined {
  if (parseIPv4(s) !== undefined) return 'ipv4';
  if (parseIPv6(s) !== undefined) return 'ipv6';
  return undefined;
}
