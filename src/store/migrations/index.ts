/**
 * Every migration, in order. Files are `NNNN-area-what.ts` exporting `up(db, dialect)`; ranges:
 * 0001–0099 foundation, 0100–0199 market, 0200–0299 quality, 0300–0399 flow/metering,
 * 0400–0499 arbiter/routes. The list is sorted by id at load, so the order of lines here does
 * not matter; an id, once released, never changes and its file is never edited.
 */
import type { Migration } from '../migrate.ts';
import * as m0001 from './0001-foundation-journal.ts';
import * as m0002 from './0002-foundation-registry.ts';
import * as m0003 from './0003-foundation-idempotency.ts';
import * as m0400 from './0400-arbiter-routes.ts';
import * as m0200 from './0200-quality-tables.ts';
import * as m0100 from './0100-market-tables.ts';
import * as m0300 from './0300-metering-bins.ts';
import * as m0201 from './0201-quality-filing-order.ts';
import * as m0004 from './0004-foundation-agent-keys.ts';
import * as m0202 from './0202-quality-agent-keys.ts';
import * as m0005 from './0005-foundation-journal-audience.ts';
import * as m0101 from './0101-market-lean-rows.ts';
import * as m0006 from './0006-foundation-event-payload-shapes.ts';
import * as m0102 from './0102-market-rows-without-copies.ts';
// @bandex:migration-imports — areas add `import * as m0100 from './0100-market-orders.ts';` above this line

export const migrations: Migration[] = [
  { id: '0001-foundation-journal', up: m0001.up },
  { id: '0002-foundation-registry', up: m0002.up },
  { id: '0003-foundation-idempotency', up: m0003.up },
  { id: '0400-arbiter-routes', up: m0400.up },
  { id: '0200-quality-tables', up: m0200.up },
  { id: '0100-market-tables', up: m0100.up },
  { id: '0300-metering-bins', up: m0300.up },
  { id: '0201-quality-filing-order', up: m0201.up },
  { id: '0004-foundation-agent-keys', up: m0004.up },
  { id: '0202-quality-agent-keys', up: m0202.up },
  { id: '0005-foundation-journal-audience', up: m0005.up },
  { id: '0101-market-lean-rows', up: m0101.up },
  { id: '0006-foundation-event-payload-shapes', up: m0006.up },
  { id: '0102-market-rows-without-copies', up: m0102.up },
  // @bandex:migrations — areas add `{ id: '0100-market-orders', up: m0100.up },` above this line
];
