/**
 * Adj-RIB-In of one peer, stored compactly: IPv4 prefixes are small-integer keys in one Map per prefix
 * length (network bits shifted right, so keys stay V8 small integers), IPv6 prefixes are short binary
 * strings; values are shared interned attribute entries. `Route` objects are built only on request.
 * Stale tables hold a restarting peer's routes (RFC 4724 §4.2) or those awaiting an enhanced route
 * refresh (RFC 7313 §4) until End-of-RIB / EoRR or a timer removes them.
 */
import type { AttrRef as AttrEntry, AttrIntern } from './attr-intern.ts';
import { formatIPv4, formatPrefix, type Family } from './ip.ts';
import type { Route } from './types.ts';

export class PrefixTable {
  /** IPv4: one map per length; key = network >>> (32 - length). */
  private readonly v4: Array<Map<number, AttrEntry> | undefined> = [];
  /** IPv4 with path ids, and all IPv6: binary-string keys. */
  private readonly other = new Map<string, AttrEntry>();
  private count = 0;
  constructor(readonly family: Family) {}

  get size(): number {
    return this.count;
  }

  static v4Key(addr: number, len: number): number {
    return len === 0 ? 0 : len === 32 ? addr | 0 : addr >>> (32 - len);
  }

  /** Key for IPv6 or path-id routes: length char, prefix bytes, path id. */
  static binKey(bytes: Uint8Array, len: number, pathId: number): string {
    const n = (len + 7) >> 3;
    let s = String.fromCharCode(len);
    for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[i]);
    if (pathId) s += `#${pathId}`;
    return s;
  }

  /** IPv4 without path id: the hot path of a full table. */
  setV4(addr: number, len: number, e: AttrEntry): AttrEntry | undefined {
    let m = this.v4[len];
    if (!m) m = this.v4[len] = new Map();
    const k = PrefixTable.v4Key(addr, len);
    const prev = m.get(k);
    m.set(k, e);
    if (!prev) this.count++;
    return prev;
  }

  deleteV4(addr: number, len: number): AttrEntry | undefined {
    const m = this.v4[len];
    if (!m) return undefined;
    const k = PrefixTable.v4Key(addr, len);
    const prev = m.get(k);
    if (prev) {
      m.delete(k);
      this.count--;
    }
    return prev;
  }

  /** Inserts/replaces; returns the previous entry. `bytes` holds the (masked) network bytes. */
  set(bytes: Uint8Array, len: number, pathId: number, e: AttrEntry): AttrEntry | undefined {
    let prev: AttrEntry | undefined;
    if (this.family === 'ipv4' && pathId === 0) {
      const addr = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
      let m = this.v4[len];
      if (!m) m = this.v4[len] = new Map();
      const k = PrefixTable.v4Key(addr, len);
      prev = m.get(k);
      m.set(k, e);
    } else {
      const k = PrefixTable.binKey(bytes, len, pathId);
      prev = this.other.get(k);
      this.other.set(k, e);
    }
    if (!prev) this.count++;
    return prev;
  }

  delete(bytes: Uint8Array, len: number, pathId: number): AttrEntry | undefined {
    let prev: AttrEntry | undefined;
    if (this.family === 'ipv4' && pathId === 0) {
      const m = this.v4[len];
      if (!m) return undefined;
      const addr = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
      const k = PrefixTable.v4Key(addr, len);
      prev = m.get(k);
      if (prev) m.delete(k);
    } else {
      const k = PrefixTable.binKey(bytes, len, pathId);
      prev = this.other.get(k);
      if (prev) this.other.delete(k);
    }
    if (prev) this.count--;
    return prev;
  }

  forEach(cb: (prefix: string, pathId: number, e: AttrEntry) => void): void {
    for (let len = 0; len <= 32; len++) {
      const m = this.v4[len];
      if (!m) continue;
      for (const [k, e] of m) {
        const addr = len === 0 ? 0 : len === 32 ? k >>> 0 : (k << (32 - len)) >>> 0;
        cb(`${formatIPv4(addr)}/${len}`, 0, e);
      }
    }
    for (const [k, e] of this.other) {
      const len = k.charCodeAt(0);
      const n = (len + 7) >> 3;
      const bytes = new Uint8Array(this.family === 'ipv4' ? 4 : 16);
      for (let i = 0; i < n; i++) bytes[i] = k.charCodeAt(1 + i);
      const pathId = k.length > 1 + n ? Number(k.slice(2 + n)) : 0;
      cb(formatPrefix(this.family, bytes, len), pathId, e);
    }
  }

  /** Moves every route of `from` into this table (replacing duplicates). */
  absorb(from: PrefixTable, intern: AttrIntern): void {
    from.v4.forEach((m, len) => {
      if (!m) return;
      let mine = this.v4[len];
      if (!mine) mine = this.v4[len] = new Map();
      for (const [k, e] of m) {
        const prev = mine.get(k);
        if (prev) intern.unref(prev);
        else this.count++;
        mine.set(k, e);
      }
    });
    for (const [k, e] of from.other) {
      const prev = this.other.get(k);
      if (prev) intern.unref(prev);
      else this.count++;
      this.other.set(k, e);
    }
  }

  /** Unreferences every entry (the table is being dropped). */
  release(intern: AttrIntern): void {
    this.forEachEntry((e) => intern.unref(e));
    this.v4.length = 0;
    this.other.clear();
    this.count = 0;
  }

  private forEachEntry(cb: (e: AttrEntry) => void): void {
    for (const m of this.v4) if (m) for (const e of m.values()) cb(e);
    for (const e of this.other.values()) cb(e);
  }
}

export class AdjRibIn {
  readonly live: Record<Family, PrefixTable> = { ipv4: new PrefixTable('ipv4'), ipv6: new PrefixTable('ipv6') };
  readonly stale: Partial<Record<Family, PrefixTable>> = {};
  constructor(private readonly intern: AttrIntern) {}

  /** Returns true when the prefix is new (not a replacement). */
  add(f: Family, bytes: Uint8Array, len: number, pathId: number, e: AttrEntry): boolean {
    this.intern.ref(e);
    const prev = this.live[f].set(bytes, len, pathId, e);
    if (prev) this.intern.unref(prev);
    const st = this.stale[f];
    if (st) {
      const old = st.delete(bytes, len, pathId);
      if (old) {
        this.intern.unref(old);
        return false;
      }
    }
    return !prev;
  }

  /** IPv4 without path id; returns true when the prefix is new. */
  addV4(addr: number, len: number, e: AttrEntry): boolean {
    const intern = this.intern;
    intern.ref(e);
    const prev = this.live.ipv4.setV4(addr, len, e);
    if (prev) intern.unref(prev);
    const st = this.stale.ipv4;
    if (st) {
      const old = st.deleteV4(addr, len);
      if (old) {
        intern.unref(old);
        return false;
      }
    }
    return !prev;
  }

  removeV4(addr: number, len: number): boolean {
    const prev = this.live.ipv4.deleteV4(addr, len);
    if (prev) this.intern.unref(prev);
    const old = this.stale.ipv4?.deleteV4(addr, len);
    if (old) this.intern.unref(old);
    return prev !== undefined || old !== undefined;
  }

  /** Returns true when something was removed. */
  remove(f: Family, bytes: Uint8Array, len: number, pathId: number): boolean {
    const prev = this.live[f].delete(bytes, len, pathId);
    if (prev) this.intern.unref(prev);
    const st = this.stale[f];
    const old = st?.delete(bytes, len, pathId);
    if (old) this.intern.unref(old);
    return prev !== undefined || old !== undefined;
  }

  count(f?: Family): number {
    const fams: Family[] = f ? [f] : ['ipv4', 'ipv6'];
    let n = 0;
    for (const x of fams) n += this.live[x].size + (this.stale[x]?.size ?? 0);
    return n;
  }

  /** Moves the family's routes into the stale table (merging with an existing one). */
  markStale(f: Family): void {
    const cur = this.live[f];
    if (cur.size === 0) return;
    const st = this.stale[f];
    this.live[f] = new PrefixTable(f);
    if (!st) this.stale[f] = cur;
    else st.absorb(cur, this.intern);
  }

  stalePrefixes(f: Family): string[] {
    const out: string[] = [];
    this.stale[f]?.forEach((p) => out.push(p));
    return out;
  }

  /** Drops the stale routes of a family; returns how many were dropped. */
  purgeStale(f: Family): number {
    const st = this.stale[f];
    if (!st) return 0;
    const n = st.size;
    st.release(this.intern);
    delete this.stale[f];
    return n;
  }

  clear(): void {
    for (const f of ['ipv4', 'ipv6'] as Family[]) {
      this.live[f].release(this.intern);
      this.purgeStale(f);
    }
  }

  routes(f?: Family): Route[] {
    const out: Route[] = [];
    const push = (prefix: string, pathId: number, e: AttrEntry): void => {
      out.push(pathId ? { prefix, pathId, attrs: e.attrs } : { prefix, attrs: e.attrs });
    };
    for (const x of f ? [f] : (['ipv4', 'ipv6'] as Family[])) {
      this.live[x].forEach(push);
      this.stale[x]?.forEach(push);
    }
    return out;
  }
}
