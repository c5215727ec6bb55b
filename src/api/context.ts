import type { FastifyInstance } from 'fastify';
import type { Services } from '../app.ts';
import type { BandexConfig } from '../config.ts';
import type { Clock, IdSource, Reporter } from '../lib/index.ts';
import type { Journal, Store } from '../store/index.ts';

/** What every route module receives. */
export interface ApiContext {
  config: BandexConfig;
  clock: Clock;
  ids: IdSource;
  reporter: Reporter;
  store: Store;
  journal: Journal;
  services: Services;
}

/** A route module: `src/api/routes/<area>.ts` default-exports one. */
export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => Promise<void> | void;
