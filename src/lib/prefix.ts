/**
 * Prefixes: canonical CIDR text at the edges, bytes + length inside.
 * A prefix with host bits set ("10.0.0.1/8") is refused, not silently masked: an operator who
 * typed it probably meant something else.
 */
import { type Family, formatIP, parseIP } from './ip.ts';

export interface Prefix {
  readonly family: Family;
  /** Network address, 4 or 16 bytes, host bits zero. */
  readonly bytes: Uint8Array;
  readonly len: number;
}

export type PrefixParse = { ok: true; prefix: Prefix } | { ok: false; reason: string };

export function parsePrefix(s: string): PrefixParse {
  const slash = s.indexOf('/');
  if (slash === -1) return { ok: false, reason: 'must be CIDR: address/length' };
  const ip = parseIP(s.slice(0, slash));
  if (!ip) return { ok: false, reason: 'address part is not a valid IPv4 or IPv6 address' };
  const lenText = s.slice(slash + 1);
  const max = ip.family === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(lenText) || Number(lenText) > max) {
    return { ok: false, reason: `length must be an integer 0..${max}` };
  }
  const len = Number(lenText);
  if (!hostBitsZero(ip.bytes, len)) return { ok: false, reason: 'host bits are set beyond the prefix length' };
  return { ok: true, prefix: { family: ip.family, bytes: ip.bytes, len } };
}

/** Parses or throws a plain Error with the reason; for trusted input (tests, config). */
export function prefix(s: string): Prefix {
  const r = parsePrefix(s);
  if (!r.ok) throw new Error(`bad prefix ${JSON.stringify(s)}: ${r.reason}`);
  return r.prefix;
}

export function formatPrefix(p: Prefix): string {
  return `${formatIP(p.family, p.bytes)}/${p.len}`;
}

/** Canonical CIDR text, or undefined when invalid. */
export function canonicalPrefix(s: string): string | undefined {
  const r = parsePrefix(s);
  return r.ok ? formatPrefix(r.prefix) : undefined;
}

function hostBitsZero(b: Uint8Array, len: number): boolean {
  for (let i = len; i < b.length * 8; i++) {
    if (bitAt(b, i)) return false;
  }
  return true;
}

export function bitAt(b: Uint8Array, i: number): number {
  return (b[i >> 3] >> (7 - (i & 7))) & 1;
}

/** True when `outer` contains `inner` (equal counts as containing). */
export function containsPrefix(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.len > inner.len) return false;
  const full = outer.len >> 3;
  for (let i = 0; i < full; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const rem = outer.len & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (outer.bytes[full] & mask) === (inner.bytes[full] & mask);
}

/** True when the address (bytes of the same family) lies inside the prefix. */
export function containsAddress(p: Prefix, family: Family, addr: Uint8Array): boolean {
  return containsPrefix(p, { family, bytes: addr, len: family === 4 ? 32 : 128 });
}
