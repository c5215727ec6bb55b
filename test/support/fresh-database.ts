/**
 * An empty database of either dialect for one test: a SQLite file in a temporary directory, or a
 * temporary PostgreSQL database (support/postgres.ts). `drop()` removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/store/index.ts';
import { createTempDatabase } from './postgres.ts';

export interface FreshDatabase {
  cfg: StoreConfig;
  drop(): Promise<void>;
}

export async function freshDatabase(dialect: 'sqlite' | 'postgres'): Promise<FreshDatabase> {
  if (dialect === 'postgres') {
    const pg = await createTempDatabase();
    return { cfg: { kind: 'postgres', url: pg.url }, drop: () => pg.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bandex-db-'));
  return { cfg: { kind: 'sqlite', path: join(dir, 'db.sqlite') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}
