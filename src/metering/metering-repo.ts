/**
 * Where closed bins go. Rows are additive deltas: writing the same (port, bin, dimension, key)
 * twice adds up (late flows for an already written bin are merged, not lost). `src/store`
 * implements this on SQLite and PostgreSQL; `createMemoryMeteringRepo` serves tests.
 */
export type BinDimension = 'total' | 'provider' | 'class';

export interface BinRow {
  portId: string;
  binMs: number;
  binStart: number;
  dimension: BinDimension;
  /** '' for total; the other port's id for provider; the class name for class. */
  key: string;
  inBytes: number;
  outBytes: number;
  inPackets: number;
  outPackets: number;
}

export interface DestinationRow {
  portId: string;
  binMs: number;
  binStart: number;
  prefix: string;
  bytes: number;
}

export interface MeteringRepo {
  addBins(rows: BinRow[], destinations: DestinationRow[]): Promise<void>;
  /** Rows with from <= binStart < to, any dimension, sorted by binStart. */
  queryBins(portId: string, binMs: number, from: number, to: number): Promise<BinRow[]>;
  /** Bytes per destination prefix summed over [from, to), largest first. */
  topDestinations(portId: string, binMs: number, from: number, to: number, limit: number): Promise<Array<{ prefix: string; bytes: number }>>;
}

export function createMemoryMeteringRepo(): MeteringRepo & { rows(): BinRow[] } {
  const bins = new Map<string, BinRow>();
  const dests = new Map<string, DestinationRow>();
  return {
    async addBins(rows, destinations) {
      for (const r of rows) {
        const k = `${r.portId}|${r.binMs}|${r.binStart}|${r.dimension}|${r.key}`;
        const e = bins.get(k);
        if (!e) bins.set(k, { ...r });
        else {
          e.inBytes += r.inBytes;
          e.outBytes += r.outBytes;
          e.inPackets += r.inPackets;
          e.outPackets += r.outPackets;
        }
      }
      for (const d of destinations) {
        const k = `${d.portId}|${d.binMs}|${d.binStart}|${d.prefix}`;
        const e = dests.get(k);
        if (!e) dests.set(k, { ...d });
        else e.bytes += d.bytes;
      }
    },
    async queryBins(portId, binMs, from, to) {
      return [...bins.values()]
        .filter((r) => r.portId === portId && r.binMs === binMs && r.binStart >= from && r.binStart < to)
        .sort((a, b) => a.binStart - b.binStart)
        .map((r) => ({ ...r }));
    },
    async topDestinations(portId, binMs, from, to, limit) {
      const sums = new Map<string, number>();
      for (const d of dests.values()) {
        if (d.portId === portId && d.binMs === binMs && d.binStart >= from && d.binStart < to) {
          sums.set(d.prefix, (sums.get(d.prefix) ?? 0) + d.bytes);
        }
      }
      return [...sums].map(([prefix, bytes]) => ({ prefix, bytes })).sort((a, b) => b.bytes - a.bytes || (a.prefix < b.prefix ? -1 : 1)).slice(0, limit);
    },
    rows: () => [...bins.values()],
  };
}
