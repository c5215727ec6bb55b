/**
 * Destination books: one per destination (canonical CIDR, or `any4`/`any6` for full transit of a
 * protocol), each with a bid and an ask side. A sell covers a buy when its destination contains
 * the buy's, so a taker buy looks at the asks of every book whose prefix covers its own (one
 * PrefixTrie look-up) plus the `any` book of its protocol; a taker sell looks at the bids of every
 * book its prefix covers. A book caches its covering list until a book covering it is added.
 *
 * A taker sell on a short prefix (or `any`) covers thousands of books, most of whose bids do not
 * cross. So a book that has met a taker sell keeps a BidIndex of the more-specific books it covers
 * (built on that first sell, then maintained), keyed by their best bid: the sell visits only the
 * books whose best bid crosses its price. A book's entry moves when its best bid changes, in the
 * indexes of its covering books (a few). Books no sell ever covered keep no index and cost nothing.
 */
import { type Prefix, PrefixTrie, parsePrefix } from '../lib/index.ts';
import type { QualityObservation } from '../quality/quality-source.ts';
import { insertAt, removeAt } from './array-edit.ts';
import { BookSide } from './order.ts';
import type { Protocol } from './types.ts';

/** Books by best bid price, best (highest) first; what a sell covering them can reach. */
export class BidIndex {
  /** Distinct best-bid prices, descending. */
  private readonly prices: number[] = [];
  /** The books' bid sides (what a walk reads: not the DestBook, one object less per book). */
  private readonly at = new Map<number, Set<BookSide>>();

  add(b: DestBook, price: number): void {
    let s = this.at.get(price);
    if (!s) {
      s = new Set();
      this.at.set(price, s);
      const ps = this.prices;
      let lo = 0;
      let hi = ps.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ps[mid] > price) lo = mid + 1;
        else hi = mid;
      }
      insertAt(ps, lo, price);
    }
    s.add(b.bids);
  }

  remove(b: DestBook, price: number): void {
    const s = this.at.get(price);
    if (!s) return;
    s.delete(b.bids);
    if (s.size > 0) return;
    this.at.delete(price);
    const ps = this.prices;
    let lo = 0;
    let hi = ps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ps[mid] > price) lo = mid + 1;
      else hi = mid;
    }
    if (ps[lo] === price) removeAt(ps, lo);
  }

  /** Writes the bid sides of the books whose best bid is at least `minPrice` into out from n; returns the new n. */
  crossing(minPrice: number, out: BookSide[], n: number): number {
    const ps = this.prices;
    for (let i = 0; i < ps.length && ps[i] >= minPrice; i++) {
      for (const side of this.at.get(ps[i])!) out[n++] = side;
    }
    return n;
  }
}

export class DestBook {
  readonly key: string;
  readonly protocol: Protocol;
  /** null for the `any` books. */
  readonly prefix: Prefix | null;
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  /**
   * Books whose asks may serve a buy here (covering prefixes and `any`), cached; null until
   * asked, and again when a book covering this one is added.
   */
  coveringCache: DestBook[] | null = null;
  /** The more-specific books this one covers that hold bids, by best bid (null until needed). */
  bidIndex: BidIndex | null = null;
  /** This book's best bid as filed in its covering books' indexes (NaN: no bids). */
  indexedBest = NaN;
  /**
   * The engine's memo for a taker sell meeting this book's bids: its seller's observation
   * towards this destination, for taker number obsTaker.
   */
  obsTaker = -1;
  obs: QualityObservation | undefined = undefined;

  constructor(key: string, protocol: Protocol, prefix: Prefix | null) {
    this.key = key;
    this.protocol = protocol;
    this.prefix = prefix;
  }
}

/** The destination key of a validated spec: the canonical prefix, or `any4` / `any6`. */
export function destKey(destination: string, protocol: Protocol): string {
  return destination === 'any' ? (protocol === 'ipv4' ? 'any4' : 'any6') : destination;
}

export class Books {
  readonly byKey = new Map<string, DestBook>();
  private readonly trie = new PrefixTrie<DestBook>();
  readonly any4 = new DestBook('any4', 'ipv4', null);
  readonly any6 = new DestBook('any6', 'ipv6', null);
  /** Books with at least one resting bid, per protocol: what an `any` sell can serve. */
  readonly withBids: Record<Protocol, Set<DestBook>> = { ipv4: new Set(), ipv6: new Set() };

  constructor() {
    this.byKey.set('any4', this.any4);
    this.byKey.set('any6', this.any6);
  }

  /** The book of a destination key, created on first use (key must come from a validated spec). */
  get(key: string, protocol: Protocol): DestBook {
    let b = this.byKey.get(key);
    if (b) return b;
    const r = parsePrefix(key);
    if (!r.ok) throw new Error(`market: invalid destination key ${key}`);
    b = new DestBook(key, protocol, r.prefix);
    this.byKey.set(key, b);
    this.trie.set(r.prefix, b);
    // Only the books under the new one gain a covering book (for a new /24: itself alone).
    const under = this.trie.covered(r.prefix);
    for (let i = 0; i < under.length; i++) under[i].coveringCache = null;
    return b;
  }

  anyOf(protocol: Protocol): DestBook {
    return protocol === 'ipv4' ? this.any4 : this.any6;
  }

  /** Books whose sells can serve a buy for `b`'s destination: covering prefixes, then `any`. */
  covering(b: DestBook): DestBook[] {
    let c = b.coveringCache;
    if (c === null) {
      if (!b.prefix) c = [b];
      else {
        c = this.trie.covering(b.prefix).map((x) => x.value);
        c.push(this.anyOf(b.protocol));
      }
      b.coveringCache = c;
    }
    return c;
  }

  /** Books whose buys a sell for `b`'s destination can serve (for `any`: every book with bids). */
  covered(b: DestBook): Iterable<DestBook> {
    if (!b.prefix) return [b, ...this.withBids[b.protocol]];
    return this.trie.covered(b.prefix);
  }

  /**
   * The bid sides a sell in `b` can reach whose best bid is at least `minPrice`: `b`'s own, then
   * the covered books' from b's index (built now if this is the first sell to look), written into
   * `out` from 0; returns how many.
   */
  crossingBids(b: DestBook, minPrice: number, out: BookSide[]): number {
    let n = 0;
    if (b.bids.bestPrice >= minPrice) out[n++] = b.bids;
    let x = b.bidIndex;
    if (x === null) {
      x = b.bidIndex = new BidIndex();
      const from: Iterable<DestBook> = b.prefix === null ? this.withBids[b.protocol] : this.trie.covered(b.prefix);
      for (const d of from) if (d !== b && !Number.isNaN(d.indexedBest)) x.add(d, d.indexedBest);
    }
    return x.crossing(minPrice, out, n);
  }

  /** Call after any change to `b`'s bids: refiles it when its best bid price changed. */
  bidsChanged(b: DestBook): void {
    const best = b.bids.orders > 0 ? b.bids.bestPrice : NaN;
    const old = b.indexedBest;
    if (best === old || (Number.isNaN(best) && Number.isNaN(old))) return;
    const cov = this.covering(b);
    for (let i = 0; i < cov.length; i++) {
      const x = cov[i].bidIndex;
      if (x === null || cov[i] === b) continue;
      if (!Number.isNaN(old)) x.remove(b, old);
      if (!Number.isNaN(best)) x.add(b, best);
    }
    b.indexedBest = best;
    if (b.prefix) {
      if (b.bids.orders > 0) this.withBids[b.protocol].add(b);
      else this.withBids[b.protocol].delete(b);
    }
  }
}
