/**
 * Path attribute interning: each distinct attribute blob is decoded once and shared, frozen, by every
 * route that carries it. The cache key is the raw attribute bytes (without the NLRI inside
 * MP_REACH_NLRI) plus the codec context; a reference count drops blobs no route uses any more.
 */
import type { PathAttributes } from './types.ts';
import type { BgpDecodeError } from './errors.ts';

/** What a route stores: the attributes it carries and the interned record they belong to. */
export interface AttrRef {
  readonly attrs: PathAttributes;
  readonly record: AttrRecord;
}

export interface AttrRecord {
  readonly key: string;
  refs: number;
  /** Attributes for classic IPv4 NLRI (NEXT_HOP) and for MP_REACH NLRI (its next hop). */
  classic: AttrRef;
  mp: AttrRef;
  /** RFC 7606 treat-as-withdraw for classic NLRI / MP NLRI (mandatory attribute missing or malformed). */
  classicError?: BgpDecodeError;
  mpError?: BgpDecodeError;
  discarded: BgpDecodeError[];
  /** The AS_PATH holds the receiving speaker's ASN (RFC 4271 §9.1.2). */
  loop: boolean;
}

export class AttrIntern {
  private readonly map = new Map<string, AttrRecord>();

  get(key: string): AttrRecord | undefined {
    return this.map.get(key);
  }

  add(r: AttrRecord): void {
    this.map.set(r.key, r);
  }

  /** A record enters the cache with its first route, so blobs that never stick (errors) are not kept. */
  ref(e: AttrRef): void {
    const r = e.record;
    if (r.refs++ === 0) this.map.set(r.key, r);
  }

  unref(e: AttrRef): void {
    const r = e.record;
    if (--r.refs <= 0 && this.map.get(r.key) === r) this.map.delete(r.key);
  }

  get size(): number {
    return this.map.size;
  }
}

export function deepFreeze<T>(o: T): T {
  // Typed arrays (extended communities, unknown attribute values) cannot be frozen: they stay as they are.
  if (o && typeof o === 'object' && !ArrayBuffer.isView(o) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
