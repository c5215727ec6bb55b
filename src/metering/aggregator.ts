/**
 * Open bins in memory: every flow is mapped to its ports, classified, spread over the bins its
 * interval covers, and added to the sending port's "out" and the receiving port's "in" — in total,
 * per counterpart port (provider) and per traffic class; the sender's destination prefixes are
 * counted too. `drain(upTo)` hands over the bins that ended before `upTo` as additive rows.
 */
import type { FlowRecord } from '../flow/index.ts';
import { classIndex, TRAFFIC_CLASSES } from './traffic-class.ts';
import { spreadOverBins } from './spread.ts';
import type { PortMapper } from './port-mapper.ts';
import type { BinRow, DestinationRow } from './metering-repo.ts';

interface Counts { inBytes: number; outBytes: number; inPackets: number; outPackets: number }
const zero = (): Counts => ({ inBytes: 0, outBytes: 0, inPackets: 0, outPackets: 0 });

class OpenBin {
  readonly total = zero();
  readonly providers = new Map<string, Counts>();
  readonly classes = new Map<string, Counts>();
  /** The same counters by TRAFFIC_CLASSES index: a flow's class costs an array read, not a string look-up. */
  private readonly byClass: Array<Counts | undefined> = [];
  /**
   * Bytes per destination prefix, in a box so adding costs one look-up. IPv4 prefixes of the
   * configured length are keyed by their network address as an int32 (a small integer key, no
   * text per flow: Aggregator.destKey), anything else by its text; rows carry the text.
   */
  readonly destinations = new Map<number | string, { bytes: number }>();
  // the last destination, provider and class touched: consecutive flows of a port mostly share them
  private lastDest: number | string = '';
  private dest: { bytes: number } | null = null;

  addDestination(key: number | string, bytes: number): void {
    if (this.dest && this.lastDest === key) {
      this.dest.bytes += bytes;
      return;
    }
    let d = this.destinations.get(key);
    if (d) d.bytes += bytes;
    else this.destinations.set(key, (d = { bytes }));
    this.lastDest = key;
    this.dest = d;
  }
  lastProvider = '';
  provider: Counts | null = null;

  providerCounts(key: string): Counts {
    if (this.provider && this.lastProvider === key) return this.provider;
    this.lastProvider = key;
    return (this.provider = counts(this.providers, key));
  }

  classCounts(index: number): Counts {
    return this.byClass[index] ?? (this.byClass[index] = counts(this.classes, TRAFFIC_CLASSES[index]));
  }
}

/**
 * The counters a single-bin flow adds to, for one (sender, receiver, class, bin): the sender's
 * bin (for destinations), total, provider and class counters and the receiver's. Consecutive flows
 * mostly repeat a few of these, so a hit replaces two bin, two provider and two class look-ups.
 */
interface Route {
  from: string | undefined;
  to: string | undefined;
  binStart: number;
  fromBin: OpenBin | null;
  fromTotal: Counts | null;
  fromProvider: Counts | null;
  fromClass: Counts | null;
  toTotal: Counts | null;
  toProvider: Counts | null;
  toClass: Counts | null;
}

/** Routes kept per traffic class (a class's flows mostly go between a few port pairs). */
const ROUTES_PER_CLASS = 4;

export interface AggregatorOptions {
  binMs: number;
  byteLayer: 'l3' | 'exported';
  maxFlowMs: number;
  topDestinations: number;
  v4PrefixLength: number;
  v6PrefixLength: number;
}

export const UNKNOWN_PROVIDER = 'unknown';

function prefixOf(rec: FlowRecord, v4Len: number, v6Len: number): string {
  const a = rec.dstAddr;
  if (rec.ipVersion === 4) {
    const v = ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
    const m = (v & (0xffffffff << (32 - v4Len))) >>> 0;
    return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${v4Len}`;
  }
  if (rec.ipVersion === 6) {
    const g: string[] = [];
    for (let i = 0; i < 16; i += 2) {
      const bit = i * 8;
      let x = (a[i] << 8) | a[i + 1];
      if (bit >= v6Len) x = 0;
      else if (bit + 16 > v6Len) x &= 0xffff << (16 - (v6Len - bit));
      g.push((x & 0xffff).toString(16));
    }
    // compress the trailing zero run (prefixes end in zeros)
    let end = 8;
    while (end > 0 && g[end - 1] === '0') end--;
    const text = end === 8 ? g.join(':') : `${g.slice(0, end).join(':')}::`;
    return `${text}/${v6Len}`;
  }
  return '';
}

/** Dotted-quad text of an IPv4 prefix keyed as int32 (see OpenBin.destinations). */
function v4Text(key: number, len: number): string {
  const m = key >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${len}`;
}

export class Aggregator {
  private readonly ports = new Map<string, Map<number, OpenBin>>();
  private readonly v4Mask: number;
  private readonly l3: boolean;
  // the bin of the last flow's start: most flows start in the bin the previous one did, and
  // the division and floor cost as much as the rest of the flow's arithmetic
  private lastFirst = NaN;
  flows = 0;
  unattributed = 0;

  constructor(private readonly mapper: PortMapper, private readonly o: AggregatorOptions) {
    this.v4Mask = o.v4PrefixLength === 0 ? 0 : 0xffffffff << (32 - o.v4PrefixLength);
    this.l3 = o.byteLayer === 'l3';
  }

  // the last two bins touched (a flow adds to its sender's and its receiver's); reset by drain
  private c0Port = '';
  private c0Start = 0;
  private c0: OpenBin | null = null;
  private c1Port = '';
  private c1Start = 0;
  private c1: OpenBin | null = null;

  // recent routes by class index (Route); emptied by drain, which deletes the bins they point into
  private routes: Route[][] = [];
  private evict = 0;

  private route(fromId: string | undefined, toId: string | undefined, cls: number, binStart: number): Route {
    let list = this.routes[cls];
    if (list === undefined) list = this.routes[cls] = [];
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r.binStart === binStart && r.from === fromId && r.to === toId) return r;
    }
    const r: Route = {
      from: fromId, to: toId, binStart, fromBin: null, fromTotal: null, fromProvider: null, fromClass: null,
      toTotal: null, toProvider: null, toClass: null,
    };
    if (fromId) {
      const b = (r.fromBin = this.bin(fromId, binStart));
      r.fromTotal = b.total;
      r.fromProvider = b.providerCounts(toId ?? UNKNOWN_PROVIDER);
      r.fromClass = b.classCounts(cls);
    }
    if (toId) {
      const b = this.bin(toId, binStart);
      r.toTotal = b.total;
      r.toProvider = b.providerCounts(fromId ?? UNKNOWN_PROVIDER);
      r.toClass = b.classCounts(cls);
    }
    if (list.length < ROUTES_PER_CLASS) list.push(r);
    else list[this.evict++ % ROUTES_PER_CLASS] = r;
    return r;
  }

  private bin(portId: string, binStart: number): OpenBin {
    if (this.c0 && this.c0Start === binStart && this.c0Port === portId) return this.c0;
    if (this.c1 && this.c1Start === binStart && this.c1Port === portId) return this.c1;
    const b = this.lookup(portId, binStart);
    this.c1 = this.c0;
    this.c1Port = this.c0Port;
    this.c1Start = this.c0Start;
    this.c0 = b;
    this.c0Port = portId;
    this.c0Start = binStart;
    return b;
  }

  private lookup(portId: string, binStart: number): OpenBin {
    let m = this.ports.get(portId);
    if (!m) {
      m = new Map();
      this.ports.set(portId, m);
    }
    let b = m.get(binStart);
    if (!b) {
      b = new OpenBin();
      m.set(binStart, b);
    }
    return b;
  }

  ingest(rec: FlowRecord): void {
    const { from, to } = this.mapper.map(rec);
    if (!from && !to) {
      this.unattributed++;
      return;
    }
    this.flows++;
    const fromId = from?.id;
    const toId = to?.id;
    const bytes = this.l3 ? rec.l3Bytes : rec.bytes;
    const packets = rec.packets;
    const cls = classIndex(rec.ipProtocol, rec.srcPort, rec.dstPort);
    const end = rec.endMs;
    const start = end - rec.startMs > this.o.maxFlowMs ? end - this.o.maxFlowMs : rec.startMs;
    const prefix = fromId ? this.destKey(rec) : '';
    const binMs = this.o.binMs;
    let first = this.lastFirst;
    if (!(start >= first && start < first + binMs)) first = this.lastFirst = Math.floor(start / binMs) * binMs;
    // most flows fall in one bin: add bytes and packets at once (spreadOverBins would visit that
    // bin with the whole total — when it is not 0 for a flow with a duration), through the route
    // cache; a counter is created only when something is added, as add() does. Written out here
    // rather than add() going through the route cache too: that one mechanism cost the serve path
    // about a tenth in bench:flow (CPU ratio to nfcapd 0.90–0.93 against 1.01–1.02, alternated).
    if (end <= start || end <= first + binMs) {
      const withBytes = end <= start || bytes > 0;
      if (!withBytes && !(packets > 0)) return;
      const r = this.route(fromId, toId, cls, first);
      if (r.fromBin) {
        r.fromTotal!.outBytes += bytes;
        r.fromTotal!.outPackets += packets;
        r.fromProvider!.outBytes += bytes;
        r.fromProvider!.outPackets += packets;
        r.fromClass!.outBytes += bytes;
        r.fromClass!.outPackets += packets;
        if (prefix !== '' && withBytes) r.fromBin.addDestination(prefix, bytes);
      }
      if (r.toTotal) {
        r.toTotal.inBytes += bytes;
        r.toTotal.inPackets += packets;
        r.toProvider!.inBytes += bytes;
        r.toProvider!.inPackets += packets;
        r.toClass!.inBytes += bytes;
        r.toClass!.inPackets += packets;
      }
      return;
    }
    spreadOverBins(start, end, bytes, binMs, (binStart, amount) => this.add(fromId, toId, cls, prefix, binStart, amount, 0, true, false));
    spreadOverBins(start, end, packets, binMs, (binStart, amount) => this.add(fromId, toId, cls, prefix, binStart, 0, amount, false, true));
  }

  /** Adds to the sender's "out" and the receiver's "in" of one bin; `withBytes`/`withPackets`
   * say which amounts are given (a counter is created only for what is given). */
  private add(fromId: string | undefined, toId: string | undefined, cls: number, prefix: number | string, binStart: number, bytes: number, packets: number, withBytes: boolean, withPackets: boolean): void {
    if (!withBytes && !withPackets) return;
    if (fromId) {
      const b = this.bin(fromId, binStart);
      b.total.outBytes += bytes;
      b.total.outPackets += packets;
      const p = b.providerCounts(toId ?? UNKNOWN_PROVIDER);
      p.outBytes += bytes;
      p.outPackets += packets;
      const c = b.classCounts(cls);
      c.outBytes += bytes;
      c.outPackets += packets;
      if (prefix !== '' && withBytes) b.addDestination(prefix, bytes);
    }
    if (toId) {
      const b = this.bin(toId, binStart);
      b.total.inBytes += bytes;
      b.total.inPackets += packets;
      const p = b.providerCounts(fromId ?? UNKNOWN_PROVIDER);
      p.inBytes += bytes;
      p.inPackets += packets;
      const c = b.classCounts(cls);
      c.inBytes += bytes;
      c.inPackets += packets;
    }
  }

  /** The destination key of a record: its IPv4 prefix as an int32 (formatting text per record
   * would cost more than the rest), other prefixes as text, '' when it has no address. */
  private destKey(rec: FlowRecord): number | string {
    if (rec.ipVersion !== 4) return prefixOf(rec, this.o.v4PrefixLength, this.o.v6PrefixLength);
    const a = rec.dstAddr;
    return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) & this.v4Mask;
  }

  /** The key a prefix text from rows has in OpenBin.destinations (the int32 for an IPv4 prefix of
   * the configured length, so rows and ingested flows add into one entry). */
  private keyOfText(prefix: string): number | string {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(prefix);
    if (!m || Number(m[5]) !== this.o.v4PrefixLength) return prefix;
    const key = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) & this.v4Mask;
    return v4Text(key, this.o.v4PrefixLength) === prefix ? key : prefix;
  }

  openBins(): number {
    let n = 0;
    for (const m of this.ports.values()) n += m.size;
    return n;
  }

  /** Rows of open bins for one port (live view, not removed). */
  peek(portId: string, from: number, to: number): { bins: BinRow[]; destinations: DestinationRow[] } {
    const bins: BinRow[] = [];
    const destinations: DestinationRow[] = [];
    const m = this.ports.get(portId);
    if (m) for (const [binStart, b] of m) if (binStart >= from && binStart < to) this.rowsOf(portId, binStart, b, bins, destinations, this.o.topDestinations);
    return { bins, destinations };
  }

  /** Adds rows (deltas from a decode worker's aggregator, or a checkpoint) into the open bins. */
  addRows(bins: readonly BinRow[], destinations: readonly DestinationRow[]): void {
    for (const r of bins) {
      const b = this.bin(r.portId, r.binStart);
      const ci = r.dimension === 'class' ? TRAFFIC_CLASSES.indexOf(r.key as never) : -1;
      const c = r.dimension === 'total' ? b.total : ci >= 0 ? b.classCounts(ci) : counts(r.dimension === 'provider' ? b.providers : b.classes, r.key);
      c.inBytes += r.inBytes;
      c.outBytes += r.outBytes;
      c.inPackets += r.inPackets;
      c.outPackets += r.outPackets;
    }
    for (const d of destinations) {
      const b = this.bin(d.portId, d.binStart);
      b.addDestination(this.keyOfText(d.prefix), d.bytes);
    }
  }

  /** Every open bin as rows, all destinations (not only the top N); nothing removed. */
  snapshot(): { bins: BinRow[]; destinations: DestinationRow[] } {
    const bins: BinRow[] = [];
    const destinations: DestinationRow[] = [];
    for (const [portId, m] of this.ports) for (const [binStart, b] of m) this.rowsOf(portId, binStart, b, bins, destinations, Infinity);
    return { bins, destinations };
  }

  /** Removes and returns every bin that ends at or before `upTo` (all bins when upTo is Infinity).
   * `topDestinations` (default: the configured N) bounds the destinations per bin. */
  drain(upTo: number, topDestinations = this.o.topDestinations): { bins: BinRow[]; destinations: DestinationRow[] } {
    this.c0 = this.c1 = null;
    this.routes = [];
    const bins: BinRow[] = [];
    const destinations: DestinationRow[] = [];
    for (const [portId, m] of this.ports) {
      for (const [binStart, b] of m) {
        if (binStart + this.o.binMs <= upTo) {
          this.rowsOf(portId, binStart, b, bins, destinations, topDestinations);
          m.delete(binStart);
        }
      }
      if (m.size === 0) this.ports.delete(portId);
    }
    return { bins, destinations };
  }

  private rowsOf(portId: string, binStart: number, b: OpenBin, bins: BinRow[], destinations: DestinationRow[], top: number): void {
    const binMs = this.o.binMs;
    bins.push({ portId, binMs, binStart, dimension: 'total', key: '', ...b.total });
    for (const [key, c] of b.providers) bins.push({ portId, binMs, binStart, dimension: 'provider', key, ...c });
    for (const [key, c] of b.classes) bins.push({ portId, binMs, binStart, dimension: 'class', key, ...c });
    const kept = top === Infinity ? [...b.destinations] : [...b.destinations].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top);
    for (const [key, d] of kept) destinations.push({ portId, binMs, binStart, prefix: typeof key === 'number' ? v4Text(key, this.o.v4PrefixLength) : key, bytes: d.bytes });
  }
}

function counts(m: Map<string, Counts>, key: string): Counts {
  let c = m.get(key);
  if (!c) {
    c = zero();
    m.set(key, c);
  }
  return c;
}
