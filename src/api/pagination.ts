/**
 * One pagination convention for every list: `?limit=N&after=CURSOR`, answer
 * `{ "items": [...], "next": CURSOR | null }`. The cursor is opaque to clients (today: the last
 * item's id, or an event seq); pass `next` back as `after` until it is null.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { BandexConfig } from '../config.ts';

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Items per page (capped by api.maxPageLimit)' })),
    after: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` cursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export function Page<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });
}

export interface PageResult<T> {
  items: T[];
  next: string | null;
}

export function pageLimit(config: BandexConfig, q: { limit?: number }): number {
  return Math.min(q.limit ?? config.api.defaultPageLimit, config.api.maxPageLimit);
}

/** Pages an in-memory list sorted by `cursorOf` (ascending, unique). */
export function pageArray<T>(all: readonly T[], q: { limit?: number; after?: string }, config: BandexConfig, cursorOf: (t: T) => string): PageResult<T> {
  const limit = pageLimit(config, q);
  const sorted = [...all].sort((a, b) => (cursorOf(a) < cursorOf(b) ? -1 : cursorOf(a) > cursorOf(b) ? 1 : 0));
  const from = q.after === undefined ? sorted : sorted.filter((t) => cursorOf(t) > (q.after as string));
  const items = from.slice(0, limit);
  return { items, next: from.length > limit ? cursorOf(items[items.length - 1] as T) : null };
}

/** Builds a page from `limit + 1` rows fetched after the cursor. */
export function pageRows<T>(rows: readonly T[], limit: number, cursorOf: (t: T) => string): PageResult<T> {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? cursorOf(items[items.length - 1] as T) : null };
}
