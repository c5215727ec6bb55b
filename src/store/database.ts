/**
 * The Kysely `Database` type: the union of every area's tables. Each area declares its table
 * interfaces in `src/store/schema/<area>.ts` and adds ONE import line and ONE `& XTables` line at
 * the marked places below (docs/extending.md).
 */
import type { Kysely, Transaction } from 'kysely';
import type { FoundationTables } from './schema/foundation.ts';
import type { ArbiterTables } from './schema/arbiter.ts';
import type { QualityTables } from './schema/quality.ts';
import type { MarketTables } from './schema/market.ts';
import type { MeteringTables } from './schema/metering.ts';
// @bandex:table-imports — areas add `import type { MarketTables } from './schema/market.ts';` above this line

export type Database = FoundationTables
  & ArbiterTables
  & QualityTables
  & MarketTables
  & MeteringTables
  // @bandex:tables — areas add `  & MarketTables` above this line
  ;

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type Dialect = 'sqlite' | 'postgres';
