/**
 * Metering bins on SQLite and PostgreSQL. Each flush is one `UsageSampled` event (topic
 * `metering`, visible to the members owning the ports) carrying the per-port totals; its
 * projection upserts the rows additively (`ON CONFLICT … DO UPDATE SET x = x + excluded.x`), so
 * late flows for a bin already written add to it.
 */
import { sql } from 'kysely';
import type { BinRow, DestinationRow, MeteringRepo } from '../../metering/index.ts';
import type { Db } from '../database.ts';
import type { Journal } from '../journal.ts';

const ROWS_PER_INSERT = 2000; // 9 columns × 2000 stays under SQLite's 32 766 bound parameters

export function createMeteringRepo(db: Db, journal: Journal, memberOf: (portId: string) => string | undefined): MeteringRepo {
  return {
    async addBins(rows: BinRow[], destinations: DestinationRow[]) {
      if (rows.length === 0 && destinations.length === 0) return;
      const totals = rows.filter((r) => r.dimension === 'total');
      const members = [...new Set(totals.map((r) => memberOf(r.portId)).filter((m): m is string => !!m))];
      await journal.append(
        {
          type: 'UsageSampled',
          actor: 'metering',
          topic: 'metering',
          visibility: members,
          payload: {
            bins: totals.map((r) => ({
              portId: r.portId, binStart: r.binStart, binMs: r.binMs,
              inBytes: r.inBytes, outBytes: r.outBytes, inPackets: r.inPackets, outPackets: r.outPackets,
            })),
          },
        },
        async (tx) => {
          for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
            await tx
              .insertInto('metering_bins')
              .values(rows.slice(i, i + ROWS_PER_INSERT).map((r) => ({
                port_id: r.portId, bin_ms: r.binMs, bin_start: r.binStart, dimension: r.dimension, key: r.key,
                in_bytes: r.inBytes, out_bytes: r.outBytes, in_packets: r.inPackets, out_packets: r.outPackets,
              })))
              .onConflict((oc) => oc.columns(['port_id', 'bin_ms', 'bin_start', 'dimension', 'key']).doUpdateSet({
                in_bytes: sql`metering_bins.in_bytes + excluded.in_bytes`,
                out_bytes: sql`metering_bins.out_bytes + excluded.out_bytes`,
                in_packets: sql`metering_bins.in_packets + excluded.in_packets`,
                out_packets: sql`metering_bins.out_packets + excluded.out_packets`,
              }))
              .execute();
          }
          for (let i = 0; i < destinations.length; i += ROWS_PER_INSERT) {
            await tx
              .insertInto('metering_destinations')
              .values(destinations.slice(i, i + ROWS_PER_INSERT).map((d) => ({
                port_id: d.portId, bin_ms: d.binMs, bin_start: d.binStart, prefix: d.prefix, bytes: d.bytes,
              })))
              .onConflict((oc) => oc.columns(['port_id', 'bin_ms', 'bin_start', 'prefix']).doUpdateSet({
                bytes: sql`metering_destinations.bytes + excluded.bytes`,
              }))
              .execute();
          }
        },
      );
    },

    async queryBins(portId, binMs, from, to) {
      const rows = await db
        .selectFrom('metering_bins')
        .selectAll()
        .where('port_id', '=', portId)
        .where('bin_ms', '=', binMs)
        .where('bin_start', '>=', from)
        .where('bin_start', '<', to)
        .orderBy('bin_start')
        .execute();
      return rows.map((r): BinRow => ({
        portId: r.port_id, binMs: Number(r.bin_ms), binStart: Number(r.bin_start),
        dimension: r.dimension as BinRow['dimension'], key: r.key,
        inBytes: Number(r.in_bytes), outBytes: Number(r.out_bytes), inPackets: Number(r.in_packets), outPackets: Number(r.out_packets),
      }));
    },

    async topDestinations(portId, binMs, from, to, limit) {
      const rows = await db
        .selectFrom('metering_destinations')
        .select(['prefix', (eb) => eb.fn.sum<number>('bytes').as('total')])
        .where('port_id', '=', portId)
        .where('bin_ms', '=', binMs)
        .where('bin_start', '>=', from)
        .where('bin_start', '<', to)
        .groupBy('prefix')
        .orderBy('total', 'desc')
        .orderBy('prefix')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ prefix: r.prefix, bytes: Number(r.total) }));
    },
  };
}
