/**
 * Adj-RIB-Out of one peer: the routes the application announced to it, and the set of changes not yet
 * sent. Sending packs every prefix that shares one attribute set into as few UPDATEs as the message
 * size allows (RFC 4271 §9.2), withdrawals likewise; after a session reset everything is re-sent.
 */
import { BgpError } from './errors.ts';
import { parsePrefixOrThrow, type Family } from './ip.ts';
import type { Route } from './types.ts';

export interface OutEntry {
  route: Route;
  family: Family;
  length: number;
  /** Network bytes, only the significant ones. */
  bytes: Uint8Array;
  pathId: number;
}

export type PrefixRef = string | { prefix: string; pathId?: number };

function keyOf(prefix: string, pathId: number): string {
  return pathId ? `${prefix}#${pathId}` : prefix;
}

export class AdjRibOut {
  readonly routes = new Map<string, OutEntry>();
  /** Pending changes: an entry to announce, or a withdrawal (announce: false). */
  dirty = new Map<string, { entry: OutEntry; announce: boolean }>();

  /** Validates all routes first, then stores them: bad input changes nothing. */
  announce(routes: Route[]): void {
    const entries: OutEntry[] = routes.map((r, i) => {
      const p = parsePrefixOrThrow(r.prefix, `routes[${i}].prefix`);
      if (!r.attrs || typeof r.attrs !== 'object') throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs is missing`, `routes[${i}].attrs`);
      if (!Array.isArray(r.attrs.asPath)) throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs.asPath must be an array of segments`, `routes[${i}].attrs.asPath`);
      if (!['igp', 'egp', 'incomplete'].includes(r.attrs.origin)) throw new BgpError('BGP_INVALID_ROUTE', `routes[${i}].attrs.origin must be igp, egp or incomplete`, `routes[${i}].attrs.origin`);
      return { route: r, family: p.family, length: p.length, bytes: p.bytes.slice(0, (p.length + 7) >> 3), pathId: r.pathId ?? 0 };
    });
    for (const e of entries) {
      const k = keyOf(e.route.prefix, e.pathId);
      this.routes.set(k, e);
      this.dirty.set(k, { entry: e, announce: true });
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
      this.dirty.set(k, { entry: e, announce: false });
    }
  }

  /** Everything of `family` (or all) to be sent again: after a reset or a route refresh request. */
  markAllDirty(family?: Family): void {
    for (const [k, e] of this.routes) if (!family || e.family === family) this.dirty.set(k, { entry: e, announce: true });
  }

  takeDirty(): Map<string, { entry: OutEntry; announce: boolean }> {
    const d = this.dirty;
    this.dirty = new Map();
    return d;
  }

  list(): Route[] {
    return Array.from(this.routes.values(), (e) => e.route);
  }
}
