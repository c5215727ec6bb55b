/**
 * The compact payload form (src/store/payload-codec.ts): some event types store their payload as
 * `["<tag>", <mask>, values…]`, the values in the order of the key list the tag names. This table
 * keeps every tag's key list IN the database, so a journal stays readable without the code that
 * wrote it (an export, the sqlite3 shell, a later version): `keys` is the shape as JSON, a nested
 * `[key, [keys…]]` being an object stored the same way, `[key, [keys…], "list"]` an array of them.
 * Rows written before keep their JSON objects, which every reader still takes as they are: nothing
 * is rewritten. A new tag is added by a new migration (a test checks that every tag the code writes
 * is listed here).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

const SHAPES_V1: Array<{ tag: string; type: string; keys: unknown[] }> = [
  {
    tag: 'oa1',
    type: 'OrderAccepted',
    keys: ['at', 'orderId', 'seq', ['spec', ['memberId', 'clientOrderId', 'side', 'destination', 'protocol', 'prefixType', 'trafficType', 'capacityMbps', 'minBlockMbps', 'price', 'orderType', 'timeInForce', 'expiresAt', 'start', 'end', 'portId', 'limits', 'ranking', 'weights', 'declared']]],
  },
  {
    tag: 'tm1',
    type: 'TradeMatched',
    keys: ['at', ['trade', ['id', 'buyOrderId', 'sellOrderId', 'buyerId', 'sellerId', 'buyPortId', 'sellPortId', 'destination', 'protocol', 'prefixType', 'trafficType', 'capacityMbps', 'price', 'start', 'end', 'quality', 'aggressor', 'matchedAt']]],
  },
  { tag: 'tp1', type: 'TradesPrinted', keys: [['trades', ['destination', 'protocol', 'prefixType', 'capacityMbps', 'price', 'start', 'end', 'verified', 'aggressor', 'matchedAt'], 'list']] },
  { tag: 'bc1', type: 'BookChanged', keys: [['levels', ['destination', 'protocol', 'side', 'price', 'mbps', 'orders'], 'list']] },
];

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await sql`create table event_payload_shapes (tag text primary key, type text not null, keys text not null)`.execute(db);
  for (const s of SHAPES_V1) await sql`insert into event_payload_shapes (tag, type, keys) values (${s.tag}, ${s.type}, ${JSON.stringify(s.keys)})`.execute(db);
}
