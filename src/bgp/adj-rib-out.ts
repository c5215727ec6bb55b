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
  family: Family;
  length: number;
  /** IPv4 network address as a number (no per-route byte arrays for the common case). */
  addr: number;
  /** IPv6 network bytes, only the significant ones. */
  bytes?: Uint8Array;
  pathId: number;
}

export type PrefixRef = string | { prefix: string; pathId?: number };

function keyOf(prefix: string, pathId: number): string {
  return pathId ? `${prefix}#${pathId}` : prefix;
}

export interface OutChange {
  entry: OutEntry;
  announce: boolean;
}

export class AdjRibOut {
  readonly routes = new Map<string, OutEntry>();
  /** Pending changes: an entry to announce, or a withdrawal (announce: false). */
  dirty = new Map<string, OutChange>();
  /** Families to send in full (session start, route refresh); no per-route bookkeeping needed. */
  full = new Set<Family>();
  /** Per-route change tracking only while a session is up; otherwise the next session sends everything. */
  tracking = false;

  /** Validates all routes first, then stores them: bad input changes nothing. */
  announce(routes: Route[]): void {
    const entries: OutEntry[] = routes.map((r, i) => {
      const packed = typeof r.prefix === 'string' ? parseIPv4PrefixPacked(r.prefix) : -1;
      if (!r.attrs || typeof r.attrs !== 'object') throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs is missing`, `routes[${i}].attrs`);
      if (!Array.isArray(r.attrs.asPath)) throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs.asPath must be an array of segments`, `routes[${i}].attrs.asPath`);
      if (!['igp', 'egp', 'incomplete'].includes(r.attrs.origin)) throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs.origin must be igp, egp or incomplete`, `routes[${i}].attrs.origin`);
      const pathId = r.pathId ?? 0;
      if (packed >= 0) return { route: r, family: 'ipv4', length: packed % 64, addr: Math.floor(packed / 64), pathId };
      const p = parsePrefixOrThrow(r.prefix, `routes[${i}].prefix`);
      return { route: r, family: p.family, length: p.length, addr: 0, bytes: p.bytes.subarray(0, (p.length + 7) >> 3), pathId };
    });
    for (const e of entries) {
      const k = keyOf(e.route.prefix, e.pathId);
      this.routes.set(k, e);
      if (this.tracking && !this.full.has(e.family)) this.dirty.set(k, { entry: e, announce: true });
    }
  }

  withdraw(prefixes: PrefixRef[]): void {
    const refs = prefixes.map((p, i) => {
      const prefix = typeof p === 'string' ? p : p.prefix;
      parsePrefixOrThrow(prefix, `prefixes[${i}]`);
      return keyOf(prefix, typeof p === 'string' ? 0 : (p.pathId ?? 0));
    });
    for (const k of refs) {
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
    this.dirty = new Map();
    this.full = new Set();
    return out;
  }

  /** Session gone: forget pending changes; the next session sends everything. */
  reset(): void {
    this.dirty = new Map();
    this.full = new Set();
    this.tracking = false;
  }

  list(): Route[] {
    return Array.from(this.routes.values(), (e) => e.route);
  }
}
