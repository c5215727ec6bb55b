/**
 * store: the cellar. One Kysely code path over SQLite (embedded default, WAL) and PostgreSQL,
 * versioned migrations applied at start, and the append-only journal with group commit that
 * every state change goes through. Domains never import this folder; they declare repository
 * interfaces that `src/store/repos/*` implement, and `src/app.ts` wires them.
 * How an area adds tables, migrations and projections: docs/extending.md.
 */
export * from './database.ts';
export * from './create-store.ts';
export * from './migrate.ts';
export * from './journal.ts';
export { decodeAudience, encodeAudience } from './audience.ts';
export * from './errors.ts';
