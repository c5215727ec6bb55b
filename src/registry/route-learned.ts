/**
 * The learned routes of the registry: filing (with the import filter's verdict), replacement,
 * withdrawal, session loss, revalidation and the prefix queries, over the compact columns of
 * route-table.ts.
 *
 * Filtering is split the way the rules depend on their inputs: next hop, first AS, path length,
 * AS_SET and bogon ASNs depend only on the attribute set and the session, so a whole UPDATE's
 * prefixes (which share one attribute set, RFC 4271 §4.3) are checked once; length, bogon prefix,
 * RPKI (RFC 6811) and IRR are checked per prefix, and max-prefix against the session's count.
 */
import { formatPrefix, parsePrefix } from '../lib/index.ts';
import type { Family, Prefix } from '../lib/index.ts';
import {
  REASON_BIT,
  REASONS_MASK,
  pathOrigin,
  verdictIrr,
  verdictReasons,
  verdictRpki,
  type FilterAttrs,
  type FilterContext,
  type ImportFilter,
} from './route-filter.ts';
import type { MemberRouting, RouteAttributes, StoredRoute } from './route-model.ts';
import {
  RouteColumns,
  indexAll,
  indexDelete,
  indexGet,
  indexSet,
  keyToPrefix,
  newMemberIndex,
  prefixKey,
  type MemberIndex,
  type PrefixKey,
} from './route-table.ts';

const NONE = -1;
/** Verdict bit: the row's attribute handle is converted by its session's converter on read. */
const CONVERT_BIT = 1 << 20;
const CONVERTED_CACHE = 4096;

/** The effect of one learn/withdraw: the route before and after (undefined = none). */
export interface RouteChange {
  readonly memberId: string;
  readonly router: string;
  readonly prefix: string;
  readonly before?: StoredRoute;
  readonly after?: StoredRoute;
  /** True when this announcement hit the session's max-prefix limit. */
  readonly maxPrefixExceeded?: boolean;
}

interface Session {
  readonly id: number;
  readonly router: string;
  readonly memberId: string;
  readonly index: MemberIndex;
  /** Accepted routes per family (max-prefix counts these). */
  readonly accepted: { 4: number; 6: number };
  rows: number;
  /** Converter of the handles this session was fed with (see LearnedRoutes.attributes). */
  convert?: (a: object) => RouteAttributes;
}

export interface LearnContext {
  readonly filter: ImportFilter;
  readonly member: MemberRouting;
  readonly ctx: FilterContext;
  readonly maxPrefixes: (family: Family) => number;
}

/** The prefix of an announcement, either as text or as IPv4 pairs (network, length). */
export type PrefixBatch = ArrayLike<{ readonly prefix: string }> | Uint32Array;

/** Parses canonical dotted-quad CIDR into `out` (4 bytes); returns the length or -1. */
function parseV4(s: string, out: Uint8Array): number {
  let part = 0;
  let val = 0;
  let digits = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return -1; // leading zero
      val = val * 10 + c - 48;
      if (++digits > 3 || val > 255) return -1;
    } else if (c === 46 && part < 3 && digits) {
      out[part++] = val;
      val = 0;
      digits = 0;
    } else if (c === 47 && part === 3 && digits) {
      out[3] = val;
      break;
    } else return -1;
  }
  if (i === s.length) return -1;
  let len = 0;
  let ld = 0;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57 || (ld > 0 && len === 0)) return -1;
    len = len * 10 + c - 48;
    if (++ld > 2) return -1;
  }
  if (!ld || len > 32) return -1;
  const addr = ((out[0] << 24) | (out[1] << 16) | (out[2] << 8) | out[3]) >>> 0;
  if (len < 32 && (len === 0 ? addr : (addr << len) >>> 0) !== 0) return -1; // host bits set
  return len;
}

function pathLength(a: FilterAttrs): number {
  let n = 0;
  for (const s of a.asPath) n += s.type === 'set' ? 1 : s.type === 'sequence' ? s.asns.length : 0;
  return n;
}

export class LearnedRoutes {
  readonly rows = new RouteColumns();
  private readonly sessions: Session[] = [];
  private readonly sessionIds = new Map<string, number>();
  private readonly byRouter = new Map<string, Session[]>();
  readonly perMember = new Map<string, MemberIndex>();
  /** Attribute sets handed over with a converter (the BGP speaker's), converted on first read. */
  private readonly converted = new Map<object, RouteAttributes>();
  private readonly scratch: Prefix = { family: 4, bytes: new Uint8Array(16), len: 0 };

  get size(): number {
    return this.rows.live;
  }

  session(memberId: string, router: string): Session {
    const k = `${memberId}\u0000${router}`;
    const id = this.sessionIds.get(k);
    if (id !== undefined) return this.sessions[id];
    let index = this.perMember.get(memberId);
    if (!index) this.perMember.set(memberId, (index = newMemberIndex()));
    const s: Session = { id: this.sessions.length, router, memberId, index, accepted: { 4: 0, 6: 0 }, rows: 0 };
    this.sessions.push(s);
    this.sessionIds.set(k, s.id);
    const list = this.byRouter.get(router) ?? [];
    list.push(s);
    this.byRouter.set(router, list);
    return s;
  }

  accepted(router: string): { 4: number; 6: number } {
    const out = { 4: 0, 6: 0 };
    for (const s of this.byRouter.get(router) ?? []) {
      out[4] += s.accepted[4];
      out[6] += s.accepted[6];
    }
    return out;
  }

  /**
   * The `RouteAttributes` of a row's attribute handle: the handle itself, or (for a session fed
   * with a converter) its conversion. Conversions are cached only for the recently read sets, so a
   * full listing does not leave a second copy of every attribute set behind.
   */
  attributes(h: object, convert?: (a: object) => RouteAttributes): RouteAttributes {
    if (!convert) return h as RouteAttributes;
    let a = this.converted.get(h);
    if (!a) {
      if (this.converted.size >= CONVERTED_CACHE) this.converted.clear();
      this.converted.set(h, (a = convert(h)));
    }
    return a;
  }

  /**
   * Files the prefixes of one announcement sharing `attrs`; returns the changes when `collect`
   * (otherwise only the counts, so a bulk table costs no per-route objects).
   */
  learnBatch(
    lc: LearnContext,
    router: string,
    attrs: FilterAttrs,
    prefixes: PrefixBatch,
    receivedAt: number,
    collect: boolean,
    convert?: (a: object) => RouteAttributes,
  ): { accepted: number; rejected: number; changes: RouteChange[] } {
    const s = this.session(lc.member.memberId, router);
    if (convert) s.convert = convert;
    const attrBits = lc.filter.checkAttrs(attrs, router, lc.member) | (convert ? CONVERT_BIT : 0);
    const origin = pathOrigin(attrs);
    const out = { accepted: 0, rejected: 0, changes: [] as RouteChange[] };
    const p = this.scratch as { family: Family; len: number; bytes: Uint8Array };
    const n = prefixes instanceof Uint32Array ? prefixes.length >> 1 : prefixes.length;
    for (let i = 0; i < n; i++) {
      if (prefixes instanceof Uint32Array) {
        const a = prefixes[2 * i];
        p.family = 4;
        p.len = prefixes[2 * i + 1];
        p.bytes[0] = a >>> 24;
        p.bytes[1] = (a >>> 16) & 255;
        p.bytes[2] = (a >>> 8) & 255;
        p.bytes[3] = a & 255;
      } else {
        const text = prefixes[i].prefix;
        const len = parseV4(text, p.bytes);
        if (len >= 0) {
          p.family = 4;
          p.len = len;
        } else {
          const parsed = parsePrefix(text);
          if (!parsed.ok) {
            out.rejected++;
            if (collect) out.changes.push(this.invalid(lc, router, text, this.attributes(attrs, convert), receivedAt));
            continue;
          }
          p.family = parsed.prefix.family;
          p.len = parsed.prefix.len;
          p.bytes.fill(0);
          p.bytes.set(parsed.prefix.bytes);
        }
      }
      const ch = this.fileOne(lc, s, p, attrs, attrBits, origin, receivedAt, collect);
      if (ch === true) out.accepted++;
      else if (ch === false) out.rejected++;
      else {
        if (ch.after!.status === 'accepted') out.accepted++;
        else out.rejected++;
        out.changes.push(ch);
      }
    }
    return out;
  }

  /** A prefix that is not valid CIDR is reported rejected and not filed (it has no place in the index). */
  invalid(lc: LearnContext, router: string, prefix: string, attrs: RouteAttributes, receivedAt: number): RouteChange {
    const after: StoredRoute = {
      memberId: lc.member.memberId,
      router,
      prefix,
      family: prefix.includes(':') ? 6 : 4,
      attrs,
      receivedAt,
      status: 'rejected',
      reasons: ['PREFIX_INVALID'],
      rpki: 'unchecked',
      irr: 'unchecked',
    };
    return { memberId: lc.member.memberId, router, prefix, after, maxPrefixExceeded: false };
  }

  private fileOne(
    lc: LearnContext,
    s: Session,
    p: Prefix,
    attrs: object,
    attrBits: number,
    origin: number | undefined,
    receivedAt: number,
    collect: boolean,
  ): boolean | RouteChange {
    const R = this.rows;
    const fam = p.family;
    const key = prefixKey(p, p.len);
    // Without add-path a router holds one path per prefix (RFC 4271 §9): replace, across members too.
    let row = this.find(s, fam, key, p.len);
    const others = this.byRouter.get(s.router)!;
    let beforeRoute: StoredRoute | undefined;
    if (others.length > 1) {
      for (const o of others) {
        if (o === s) continue;
        const r = this.find(o, fam, key, p.len);
        if (r === NONE) continue;
        if (collect) beforeRoute = this.route(r);
        this.unlink(o, r);
      }
    }
    let v = attrBits | lc.filter.checkPrefix(p, origin, lc.ctx);
    const wasAccepted = row !== NONE && (R.verdict[row] & REASONS_MASK) === 0;
    let maxPrefixExceeded = false;
    if ((v & REASONS_MASK) === 0 && !wasAccepted && s.accepted[fam] >= lc.maxPrefixes(fam)) {
      v |= REASON_BIT.MAX_PREFIX_EXCEEDED;
      maxPrefixExceeded = true;
    }
    if (row !== NONE) {
      if (collect) beforeRoute = this.route(row);
      if (wasAccepted) s.accepted[fam]--;
    } else {
      row = R.alloc();
      R.session[row] = s.id;
      R.fam6[row] = fam === 6 ? 1 : 0;
      R.len[row] = p.len;
      R.key[row] = key;
      R.next[row] = indexGet(s.index, fam, key, p.len);
      indexSet(s.index, fam, key, p.len, row);
      s.rows++;
    }
    R.attrs[row] = attrs;
    R.verdict[row] = v;
    R.receivedAt[row] = receivedAt;
    const ok = (v & REASONS_MASK) === 0;
    if (ok) s.accepted[fam]++;
    if (!collect) return ok;
    const after = this.route(row);
    return { memberId: s.memberId, router: s.router, prefix: after.prefix, before: beforeRoute, after, maxPrefixExceeded };
  }

  private find(s: Session, fam: Family, key: PrefixKey, len: number): number {
    for (let r = indexGet(s.index, fam, key, len); r !== NONE; r = this.rows.next[r]) if (this.rows.session[r] === s.id) return r;
    return NONE;
  }

  /** Takes row `r` of session `s` out of the index and frees it. */
  private unlink(s: Session, r: number): void {
    const R = this.rows;
    const fam: Family = R.fam6[r] ? 6 : 4;
    const key = R.key[r];
    const len = R.len[r];
    const head = indexGet(s.index, fam, key, len);
    if (head === r) {
      if (R.next[r] === NONE) indexDelete(s.index, fam, key, len);
      else indexSet(s.index, fam, key, len, R.next[r]);
    } else {
      let q = head;
      while (q !== NONE && R.next[q] !== r) q = R.next[q];
      if (q !== NONE) R.next[q] = R.next[r];
    }
    if ((R.verdict[r] & REASONS_MASK) === 0) s.accepted[fam]--;
    s.rows--;
    R.free(r);
  }

  /** Withdraws prefixes from a router's session(s); returns the changes when `collect`, else the count removed. */
  withdraw(router: string, p: Prefix, collect: boolean): RouteChange | number {
    const key = prefixKey(p, p.len);
    let ch: RouteChange | undefined;
    let n = 0;
    for (const s of this.byRouter.get(router) ?? []) {
      const r = this.find(s, p.family, key, p.len);
      if (r === NONE) continue;
      if (collect) {
        const before = this.route(r);
        ch = { memberId: s.memberId, router, prefix: before.prefix, before };
      }
      this.unlink(s, r);
      n++;
    }
    return collect ? (ch ?? 0) : n;
  }

  /** Withdraws a batch of prefix texts (or IPv4 pairs); changes only when `collect`. */
  withdrawBatch(router: string, prefixes: ArrayLike<string> | Uint32Array, collect: boolean): { removed: number; changes: RouteChange[] } {
    const out = { removed: 0, changes: [] as RouteChange[] };
    const p = this.scratch;
    const one = (): void => {
      const r = this.withdraw(router, p, collect);
      if (typeof r === 'number') out.removed += r;
      else {
        out.removed++;
        out.changes.push(r);
      }
    };
    if (prefixes instanceof Uint32Array) {
      (p as { family: Family }).family = 4;
      for (let i = 0; i + 1 < prefixes.length; i += 2) {
        const a = prefixes[i];
        p.bytes.set([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
        (p as { len: number }).len = prefixes[i + 1];
        one();
      }
      return out;
    }
    for (let i = 0; i < prefixes.length; i++) {
      const text = prefixes[i];
      const len = parseV4(text, p.bytes);
      if (len >= 0) {
        (p as { family: Family }).family = 4;
        (p as { len: number }).len = len;
      } else {
        const parsed = parsePrefix(text);
        if (!parsed.ok) continue;
        (p as { family: Family }).family = parsed.prefix.family;
        (p as { len: number }).len = parsed.prefix.len;
        p.bytes.fill(0);
        p.bytes.set(parsed.prefix.bytes);
      }
      one();
    }
    return out;
  }

  /** Every route of the router's sessions is gone (RFC 4271 §9.1.1 / §8.2.2). */
  dropSession(router: string): RouteChange[] {
    const out: RouteChange[] = [];
    for (const s of this.byRouter.get(router) ?? []) {
      for (const r of this.sessionRows(s)) {
        const before = this.route(r);
        out.push({ memberId: s.memberId, router, prefix: before.prefix, before });
        this.unlink(s, r);
      }
      s.accepted[4] = s.accepted[6] = 0;
    }
    return out;
  }

  sessionRows(s: Session): number[] {
    const out: number[] = [];
    if (s.rows === 0) return out;
    for (const h of indexAll(s.index)) for (let r = h; r !== NONE; r = this.rows.next[r]) if (this.rows.session[r] === s.id) out.push(r);
    return out;
  }

  routerRows(router: string): number[] {
    return (this.byRouter.get(router) ?? []).flatMap((s) => this.sessionRows(s));
  }

  /**
   * Re-runs the filter over the routes of `memberId` (or all); `lcFor` gives the context per member.
   * Max-prefix is re-counted in each session's order of rows.
   */
  revalidate(lcFor: (memberId: string) => LearnContext, memberId?: string): RouteChange[] {
    const out: RouteChange[] = [];
    const R = this.rows;
    for (const s of this.sessions) {
      if (s.rows === 0 || (memberId !== undefined && s.memberId !== memberId)) continue;
      const lc = lcFor(s.memberId);
      s.accepted[4] = s.accepted[6] = 0;
      for (const r of this.sessionRows(s).sort((a, b) => a - b)) {
        const before = this.route(r);
        const a = R.attrs[r] as FilterAttrs;
        const fam: Family = R.fam6[r] ? 6 : 4;
        const p = keyToPrefix(fam, R.key[r], R.len[r]);
        let v = lc.filter.checkAttrs(a, s.router, lc.member) | lc.filter.checkPrefix(p, pathOrigin(a), lc.ctx) | (R.verdict[r] & CONVERT_BIT);
        let maxPrefixExceeded = false;
        if ((v & REASONS_MASK) === 0 && s.accepted[fam] >= lc.maxPrefixes(fam)) {
          v |= REASON_BIT.MAX_PREFIX_EXCEEDED;
          maxPrefixExceeded = true;
        }
        if ((v & REASONS_MASK) === 0) s.accepted[fam]++;
        const changed = (v & REASONS_MASK) !== (R.verdict[r] & REASONS_MASK);
        R.verdict[r] = v;
        if (changed) out.push({ memberId: s.memberId, router: s.router, prefix: before.prefix, before, after: this.route(r), maxPrefixExceeded });
      }
    }
    return out;
  }

  // ---- reads ----

  route(r: number): StoredRoute {
    const R = this.rows;
    const s = this.sessions[R.session[r]];
    const fam: Family = R.fam6[r] ? 6 : 4;
    const v = R.verdict[r];
    const reasons = verdictReasons(v);
    return {
      memberId: s.memberId,
      router: s.router,
      prefix: formatPrefix(keyToPrefix(fam, R.key[r], R.len[r])),
      family: fam,
      attrs: this.attributes(R.attrs[r]!, v & CONVERT_BIT ? s.convert : undefined),
      receivedAt: R.receivedAt[r],
      status: reasons.length === 0 ? 'accepted' : 'rejected',
      reasons,
      rpki: verdictRpki(v),
      irr: verdictIrr(v),
    };
  }

  /** Rows of the chains starting at `heads`. */
  expand(heads: readonly number[]): number[] {
    const out: number[] = [];
    for (const h of heads) for (let r = h; r !== NONE; r = this.rows.next[r]) out.push(r);
    return out;
  }

  /** The member's best accepted row of one chain: shortest AS path, then lowest router address. */
  pick(head: number): number {
    const R = this.rows;
    let best = NONE;
    let bestLen = 0;
    for (let r = head; r !== NONE; r = R.next[r]) {
      if ((R.verdict[r] & REASONS_MASK) !== 0) continue;
      const len = pathLength(R.attrs[r] as FilterAttrs);
      if (best === NONE || len < bestLen || (len === bestLen && this.routerOf(r) < this.routerOf(best))) {
        best = r;
        bestLen = len;
      }
    }
    return best;
  }

  routerOf(r: number): string {
    return this.sessions[this.rows.session[r]].router;
  }

  memberOf(r: number): string {
    return this.sessions[this.rows.session[r]].memberId;
  }

  isAccepted(r: number): boolean {
    return (this.rows.verdict[r] & REASONS_MASK) === 0;
  }

  family(r: number): Family {
    return this.rows.fam6[r] ? 6 : 4;
  }

  /** Sort order of listings: family, address, length, member, router. */
  compare(a: number, b: number): number {
    const R = this.rows;
    if (R.fam6[a] !== R.fam6[b]) return R.fam6[a] - R.fam6[b];
    if (!R.fam6[a]) {
      const x = ((R.key[a] as number) >>> 0) * 2 ** (32 - R.len[a]);
      const y = ((R.key[b] as number) >>> 0) * 2 ** (32 - R.len[b]);
      const ax = R.len[a] === 0 ? 0 : R.len[a] === 32 ? (R.key[a] as number) >>> 0 : x;
      const by = R.len[b] === 0 ? 0 : R.len[b] === 32 ? (R.key[b] as number) >>> 0 : y;
      if (ax !== by) return ax - by;
    } else {
      const x = R.key[a] as string;
      const y = R.key[b] as string;
      const n = Math.max(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const d = (x.charCodeAt(i) || 0) - (y.charCodeAt(i) || 0);
        if (d) return d;
      }
    }
    if (R.len[a] !== R.len[b]) return R.len[a] - R.len[b];
    const ma = this.memberOf(a);
    const mb = this.memberOf(b);
    if (ma !== mb) return ma < mb ? -1 : 1;
    const ra = this.routerOf(a);
    const rb = this.routerOf(b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  }
}
