/**
 * Compact storage of the registry's learned routes. An IXP route server holds hundreds of
 * thousands of routes, so a route is a row in typed-array columns, not an object: its session
 * (router + member), prefix key and length, a packed verdict word (reject reasons as bits, RPKI and
 * IRR states), the time received and a reference to its attribute set (shared with the BGP
 * speaker, which interns them; routes of one UPDATE share one). `StoredRoute` objects are made
 * only when an API read or the export engine asks for a route.
 *
 * Index: per member and prefix length one Map from the prefix's network bits to the first row of
 * a chain (the member's routers announcing that prefix, usually one). IPv4 keys are the network
 * shifted right by 32 − length (V8 small integers); IPv6 keys are the network bytes as a short
 * binary string. Exact match is one lookup, longest and covering one per stored length, covered
 * either enumerates the few possible keys or scans the member's maps of longer lengths.
 */
import type { Family, Prefix } from '../lib/index.ts';

export type PrefixKey = number | string;

/** The network bits of `p` cut to `len` (≤ p.len) as an index key. */
export function prefixKey(p: Prefix, len: number): PrefixKey {
  const b = p.bytes;
  if (p.family === 4) {
    if (len === 0) return 0;
    const addr = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    return len === 32 ? addr | 0 : addr >>> (32 - len);
  }
  const n = (len + 7) >> 3;
  let s = '';
  for (let i = 0; i < n; i++) {
    let v = b[i];
    if (i === n - 1 && len % 8) v &= (0xff << (8 - (len % 8))) & 0xff;
    s += String.fromCharCode(v);
  }
  return s;
}

/** IPv4 key from a 32-bit address and a length. */
export function v4Key(addr: number, len: number): number {
  return len === 0 ? 0 : len === 32 ? addr | 0 : addr >>> (32 - len);
}

export function keyToPrefix(family: Family, key: PrefixKey, len: number): Prefix {
  if (family === 4) {
    const k = key as number;
    const addr = len === 0 ? 0 : len === 32 ? k >>> 0 : (k * 2 ** (32 - len)) >>> 0;
    return { family, len, bytes: new Uint8Array([addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255]) };
  }
  const s = key as string;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return { family, len, bytes };
}

/** A member's index: per family, per prefix length, network key → first row of the chain. */
export interface MemberIndex {
  readonly v4: Array<Map<number, number> | undefined>;
  readonly v6: Array<Map<string, number> | undefined>;
}

const NONE = -1;

export class RouteColumns {
  private cap = 0;
  private top = 0;
  private freeHead = NONE;
  session = new Uint32Array(0);
  len = new Uint8Array(0);
  fam6 = new Uint8Array(0);
  verdict = new Uint32Array(0);
  receivedAt = new Float64Array(0);
  next = new Int32Array(0);
  key: PrefixKey[] = [];
  attrs: Array<object | undefined> = [];
  live = 0;

  alloc(): number {
    let r: number;
    if (this.freeHead !== NONE) {
      r = this.freeHead;
      this.freeHead = this.next[r];
    } else {
      if (this.top === this.cap) this.grow();
      r = this.top++;
    }
    this.live++;
    this.next[r] = NONE;
    return r;
  }

  free(r: number): void {
    this.attrs[r] = undefined;
    this.key[r] = 0;
    this.next[r] = this.freeHead;
    this.freeHead = r;
    this.live--;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const g = <T extends Uint32Array | Uint8Array | Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.session = g(this.session, (n) => new Uint32Array(n));
    this.len = g(this.len, (n) => new Uint8Array(n));
    this.fam6 = g(this.fam6, (n) => new Uint8Array(n));
    this.verdict = g(this.verdict, (n) => new Uint32Array(n));
    this.receivedAt = g(this.receivedAt, (n) => new Float64Array(n));
    this.next = g(this.next, (n) => new Int32Array(n));
    this.cap = cap;
  }
}

export function newMemberIndex(): MemberIndex {
  return { v4: [], v6: [] };
}

/** Head row for an exact prefix, or NONE. */
export function indexGet(ix: MemberIndex, family: Family, key: PrefixKey, len: number): number {
  const m = family === 4 ? ix.v4[len] : ix.v6[len];
  const h = (m as Map<PrefixKey, number> | undefined)?.get(key);
  return h === undefined ? NONE : h;
}

export function indexSet(ix: MemberIndex, family: Family, key: PrefixKey, len: number, row: number): void {
  const maps = (family === 4 ? ix.v4 : ix.v6) as Array<Map<PrefixKey, number> | undefined>;
  let m = maps[len];
  if (!m) m = maps[len] = new Map();
  m.set(key, row);
}

export function indexDelete(ix: MemberIndex, family: Family, key: PrefixKey, len: number): void {
  const maps = (family === 4 ? ix.v4 : ix.v6) as Array<Map<PrefixKey, number> | undefined>;
  const m = maps[len];
  if (!m) return;
  m.delete(key);
  if (m.size === 0) maps[len] = undefined;
}

/** Chain heads of the prefixes containing `p` (or equal), least specific first. */
export function indexCovering(ix: MemberIndex, p: Prefix): number[] {
  const out: number[] = [];
  const maps = (p.family === 4 ? ix.v4 : ix.v6) as Array<Map<PrefixKey, number> | undefined>;
  for (let l = 0; l <= p.len && l < maps.length; l++) {
    const m = maps[l];
    if (!m) continue;
    const h = m.get(prefixKey(p, l));
    if (h !== undefined) out.push(h);
  }
  return out;
}

/** Chain heads of the prefixes inside `p` (or equal), any order. */
export function indexCovered(ix: MemberIndex, p: Prefix): number[] {
  const out: number[] = [];
  if (p.family === 4) {
    const base = prefixKey(p, p.len) as number;
    for (let l = p.len; l < ix.v4.length; l++) {
      const m = ix.v4[l];
      if (!m) continue;
      const span = 2 ** (l - p.len);
      if (span <= m.size) {
        const first = (p.len === 0 ? 0 : p.len === 32 ? base >>> 0 : base) * span;
        for (let i = 0; i < span; i++) {
          const k = first + i;
          const h = m.get(l === 32 ? k | 0 : k);
          if (h !== undefined) out.push(h);
        }
      } else {
        const shift = l - p.len;
        const want = p.len === 32 ? base >>> 0 : base;
        for (const [k, h] of m) if (Math.floor((l === 32 ? k >>> 0 : k) / 2 ** shift) === want) out.push(h);
      }
    }
    return out;
  }
  const base = prefixKey(p, p.len) as string;
  const full = p.len >> 3;
  const rest = p.len % 8;
  const mask = (0xff << (8 - rest)) & 0xff;
  for (let l = p.len; l < ix.v6.length; l++) {
    const m = ix.v6[l];
    if (!m) continue;
    for (const [k, h] of m) {
      if (k.slice(0, full) !== base.slice(0, full)) continue;
      if (rest && (k.charCodeAt(full) & mask) !== base.charCodeAt(full)) continue;
      out.push(h);
    }
  }
  return out;
}

export function indexAll(ix: MemberIndex, family?: Family): number[] {
  const out: number[] = [];
  for (const maps of family === 6 ? [ix.v6] : family === 4 ? [ix.v4] : [ix.v4, ix.v6]) {
    for (const m of maps as Array<Map<PrefixKey, number> | undefined>) if (m) for (const h of m.values()) out.push(h);
  }
  return out;
}
