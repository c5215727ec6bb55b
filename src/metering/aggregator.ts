/**
 * Open bins in memory: every flow is mapped to its ports, classified, spread over the bins its
 * interval covers, and added to the sending port's "out" and the receiving port's "in" — in total,
 * per counterpart port (provider) and per traffic class; the sender's destination prefixes are
 * counted too. `drain(upTo)` hands over the bins that ended before `upTo` as additive rows.
 */
import type { FlowRecord } from '../flow/index.ts';
import { classify } from './traffic-class.ts';
import { spreadOverBins } from './spread.ts';
import type { PortMapper } from './port-mapper.ts';
import type { BinRow, DestinationRow } from './metering-repo.ts';

interface Counts { inBytes: number; outBytes: number; inPackets: number; outPackets: number }
const zero = (): Counts => ({ inBytes: 0, outBytes: 0, inPackets: 0, outPackets: 0 });

class OpenBin {
  readonly total = zero();
  readonly providers = new Map<string, Counts>();
  readonly classes = new Map<string, Counts>();
  /** Bytes per destination prefix, in a box so adding costs one look-up. */
  readonly destinations = new Map<string, { bytes: number }>();

  addDestination(prefix: string, bytes: number): void {
    const d = this.destinations.get(prefix);
    if (d) d.bytes += bytes;
    else this.destinations.set(prefix, { bytes });
  }
  // the last provider and class touched: consecutive flows of a port mostly share them
  lastProvider = '';
  provider: Counts | null = null;
  lastClass = '';
  cls: Counts | null = null;

  providerCounts(key: string): Counts {
    if (this.provider && this.lastProvider === key) return this.provider;
    this.lastProvider = key;
    return (this.provider = counts(this.providers, key));
  }

  classCounts(key: string): Counts {
    if (this.cls && this.lastClass === key) return this.cls;
    this.lastClass = key;
    return (this.cls = counts(this.classes, key));
  }
}

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

export class Aggregator {
  private readonly ports = new Map<string, Map<number, OpenBin>>();
  private readonly v4Prefixes = new Map<number, string>();
  flows = 0;
  unattributed = 0;

  constructor(private readonly mapper: PortMapper, private readonly o: AggregatorOptions) {}

  // the last two bins touched (a flow adds to its sender's and its receiver's); reset by drain
  private c0Port = '';
  private c0Start = 0;
  private c0: OpenBin | null = null;
  private c1Port = '';
  private c1Start = 0;
  private c1: OpenBin | null = null;

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
    const bytes = this.o.byteLayer === 'l3' ? rec.l3Bytes : rec.bytes;
    const packets = rec.packets;
    const cls = classify(rec.ipProtocol, rec.srcPort, rec.dstPort);
    const end = rec.endMs;
    const start = end - rec.startMs > this.o.maxFlowMs ? end - this.o.maxFlowMs : rec.startMs;
    const prefix = fromId ? this.prefixOf(rec) : '';
    const binMs = this.o.binMs;
    const first = Math.floor(start / binMs) * binMs;
    // most flows fall in one bin: add bytes and packets at once (spreadOverBins would visit that
    // bin with the whole total — when it is not 0 for a flow with a duration)
    if (end <= start) {
      this.add(fromId, toId, cls, prefix, first, bytes, packets, true, true);
      return;
    }
    if (end <= first + binMs) {
      this.add(fromId, toId, cls, prefix, first, bytes, packets, bytes > 0, packets > 0);
      return;
    }
    spreadOverBins(start, end, bytes, binMs, (binStart, amount) => this.add(fromId, toId, cls, prefix, binStart, amount, 0, true, false));
    spreadOverBins(start, end, packets, binMs, (binStart, amount) => this.add(fromId, toId, cls, prefix, binStart, 0, amount, false, true));
  }

  /** Adds to the sender's "out" and the receiver's "in" of one bin; `withBytes`/`withPackets`
   * say which amounts are given (a counter is created only for what is given). */
  private add(fromId: string | undefined, toId: string | undefined, cls: string, prefix: string, binStart: number, bytes: number, packets: number, withBytes: boolean, withPackets: boolean): void {
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
      if (prefix && withBytes) b.addDestination(prefix, bytes);
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

  /** The destination prefix text, cached per IPv4 prefix (formatting it per record would cost more than the rest). */
  private prefixOf(rec: FlowRecord): string {
    if (rec.ipVersion !== 4) return prefixOf(rec, this.o.v4PrefixLength, this.o.v6PrefixLength);
    const a = rec.dstAddr;
    const len = this.o.v4PrefixLength;
    const m = (((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) & (0xffffffff << (32 - len))) >>> 0;
    let t = this.v4Prefixes.get(m);
    if (t === undefined) {
      if (this.v4Prefixes.size >= 65_536) this.v4Prefixes.clear();
      t = prefixOf(rec, len, this.o.v6PrefixLength);
      this.v4Prefixes.set(m, t);
    }
    return t;
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
      const c = r.dimension === 'total' ? b.total : counts(r.dimension === 'provider' ? b.providers : b.classes, r.key);
      c.inBytes += r.inBytes;
      c.outBytes += r.outBytes;
      c.inPackets += r.inPackets;
      c.outPackets += r.outPackets;
    }
    for (const d of destinations) {
      const b = this.bin(d.portId, d.binStart);
      b.addDestination(d.prefix, d.bytes);
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
    for (const [prefix, d] of kept) destinations.push({ portId, binMs, binStart, prefix, bytes: d.bytes });
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
