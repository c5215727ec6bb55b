/**
 * Adj-RIB-Out of one peer: the routes the application announced to it, and the set of changes not yet
 * sent. Sending packs every prefix that shares one attribute set into as few UPDATEs as the message
 * size allows (RFC 4271 §9.2), withdrawals likewise; after a session reset everything is re-sent.
 */
import { BgpError } from './errors.ts';
import { parseIPv4PrefixPacked, parsePrefixOrThrow, type Family } from './ip.ts';
import type { Route } from './types.ts';

export interface OutEntry {
  route: Route;
  /** route.prefix (the key for IPv6 and path-id routes). */
  prefix: string;
  family: Family;
  length: number;
  /** IPv4 network address as a number (no per-route byte arrays for the common case). */
  addr: number;
  /** IPv6 network bytes, only the significant ones. */
  bytes?: Uint8Array;
  pathId: number;
}

export type PrefixRef = string | { prefix: string; pathId?: number };

/**
 * Map keyed by prefix: IPv4 without path id in one Map per length with small-integer keys (cheap to
 * hash, no key strings for a million routes), everything else by "prefix#pathId".
 */
class PrefixMap<V> {
  private readonly v4: Array<Map<number, V> | undefined> = [];
  private readonly other = new Map<string, V>();
  private n = 0;

  get size(): number {
    return this.n;
  }

  private static v4Key(addr: number, len: number): number {
    return len === 0 ? 0 : len === 32 ? addr | 0 : addr >>> (32 - len);
  }

  private static otherKey(prefix: string, pathId: number): string {
    return pathId ? `${prefix}#${pathId}` : prefix;
  }

  get(e: KeyOf): V | undefined {
    if (e.family === 'ipv4' && !e.pathId) return this.v4[e.length]?.get(PrefixMap.v4Key(e.addr, e.length));
    return this.other.get(PrefixMap.otherKey(e.prefix, e.pathId));
  }

  set(e: KeyOf, v: V): void {
    let before: number;
    let after: number;
    if (e.family === 'ipv4' && !e.pathId) {
      let m = this.v4[e.length];
      if (!m) m = this.v4[e.length] = new Map();
      before = m.size;
      m.set(PrefixMap.v4Key(e.addr, e.length), v);
      after = m.size;
    } else {
      before = this.other.size;
      this.other.set(PrefixMap.otherKey(e.prefix, e.pathId), v);
      after = this.other.size;
    }
    this.n += after - before;
  }

  delete(e: KeyOf): void {
    const ok = e.family === 'ipv4' && !e.pathId ? this.v4[e.length]?.delete(PrefixMap.v4Key(e.addr, e.length)) : this.other.delete(PrefixMap.otherKey(e.prefix, e.pathId));
    if (ok) this.n--;
  }

  *values(): Generator<V> {
    for (const m of this.v4) if (m) yield* m.values();
    yield* this.other.values();
  }
}

interface KeyOf {
  family: Family;
  length: number;
  addr: number;
  pathId: number;
  prefix: string;
}

const ORIGINS = new Set<string>(['igp', 'egp', 'incomplete']);

export interface OutChange {
  entry: OutEntry;
  announce: boolean;
}

export class AdjRibOut {
  readonly routes = new PrefixMap<OutEntry>();
  /** Pending changes: an entry to announce, or a withdrawal (announce: false). */
  dirty = new PrefixMap<OutChange>();
  /** Families to send in full (session start, route refresh); no per-route bookkeeping needed. */
  full = new Set<Family>();
  /** Per-route change tracking only while a session is up; otherwise the next session sends everything. */
  tracking = false;

  /** Validates all routes first, then stores them: bad input changes nothing. */
  announce(routes: Route[]): void {
    let checked: unknown;
    const entries: OutEntry[] = routes.map((r, i) => {
      const packed = typeof r.prefix === 'string' ? parseIPv4PrefixPacked(r.prefix) : -1;
      if (r.attrs !== checked) {
        // Routes usually share attribute objects: check each distinct one once.
        if (!r.attrs || typeof r.attrs !== 'object') throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs is missing`, `routes[${i}].attrs`);
        if (!Array.isArray(r.attrs.asPath)) throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs.asPath must be an array of segments`, `routes[${i}].attrs.asPath`);
        if (!ORIGINS.has(r.attrs.origin)) throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs.origin must be igp, egp or incomplete`, `routes[${i}].attrs.origin`);
        checked = r.attrs;
      }
      const pathId = r.pathId ?? 0;
      if (packed >= 0) return { route: r, prefix: r.prefix, family: 'ipv4', length: packed % 64, addr: Math.floor(packed / 64), pathId };
      const p = parsePrefixOrThrow(r.prefix, `routes[${i}].prefix`);
      if (p.family === 'ipv4') return { route: r, prefix: r.prefix, family: p.family, length: p.length, addr: ((p.bytes[0] << 24) | (p.bytes[1] << 16) | (p.bytes[2] << 8) | p.bytes[3]) >>> 0, pathId };
      return { route: r, prefix: r.prefix, family: p.family, length: p.length, addr: 0, bytes: p.bytes.subarray(0, (p.length + 7) >> 3), pathId };
    });
    for (const e of entries) {
      this.routes.set(e, e);
      if (this.tracking && !this.full.has(e.family)) this.dirty.set(e, { entry: e, announce: true });
    }
  }

  withdraw(prefixes: PrefixRef[]): void {
    const keys: KeyOf[] = prefixes.map((p, i) => {
      const prefix = typeof p === 'string' ? p : p.prefix;
      const pp = parsePrefixOrThrow(prefix, `prefixes[${i}]`);
      const addr = pp.family === 'ipv4' ? ((pp.bytes[0] << 24) | (pp.bytes[1] << 16) | (pp.bytes[2] << 8) | pp.bytes[3]) >>> 0 : 0;
      return { family: pp.family, length: pp.length, addr, pathId: typeof p === 'string' ? 0 : (p.pathId ?? 0), prefix };
    });
    for (const k of keys) {
      const e = this.routes.get(k);
      if (!e) continue;
      this.routes.delete(k);
      if (this.tracking) this.dirty.set(k, { entry: e, announce: false });
    }
  }

  /** Everything of `family` (or all) to be sent again: after a reset or a route refresh request. */
  markAllDirty(family?: Family): void {
    if (family) this.full.add(family);
    else {
      this.full.add('ipv4');
      this.full.add('ipv6');
    }
  }

  get pending(): boolean {
    return this.dirty.size > 0 || this.full.size > 0;
  }

  /** The changes to send now: pending withdrawals and announcements, plus whole families marked for a full send. */
  takeChanges(): OutChange[] {
    const out: OutChange[] = [];
    const full = this.full;
    for (const c of this.dirty.values()) if (!c.announce || !full.has(c.entry.family)) out.push(c);
    if (full.size) for (const e of this.routes.values()) if (full.has(e.family)) out.push({ entry: e, announce: true });
    this.dirty = new PrefixMap();
    this.full = new Set();
    return out;
  }

  /** Session gone: forget pending changes; the next session sends everything. */
  reset(): void {
    this.dirty = new PrefixMap();
    this.full = new Set();
    this.tracking = false;
  }

  list(): Route[] {
    return Array.from(this.routes.values(), (e) => e.route);
  }
}
