/**
 * Builds the whole exchange without listening: store (migrated), journal, services started in
 * order, Fastify with auth, validation, idempotency, error mapping, OpenAPI and every route
 * module. Tests use it with `inject()`; src/main.ts adds the listener and signal handling.
 *
 * Areas plug in at the three marked places below (docs/extending.md): a service type, a
 * service factory, and a route module.
 */
import { join } from 'node:path';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installAuth } from './api/auth.ts';
import type { ApiContext, RouteModule } from './api/context.ts';
import { installErrorHandling } from './api/http-errors.ts';
import { installIdempotency } from './api/idempotency.ts';
import { installRequestCounter } from './api/request-counter.ts';
import eventRoutes from './api/routes/events.ts';
import registryRoutes from './api/routes/registry.ts';
import systemRoutes from './api/routes/system.ts';
import { registerStream } from './api/stream.ts';
import { typeboxValidatorCompiler } from './api/validation.ts';
import { configErrors, makeConfig, type BandexConfig } from './config.ts';
import { commonErrors, createReporter, randomIds, systemClock, type Clock, type IdSource, type Reporter } from './lib/index.ts';
import { createRegistry, type Registry } from './registry/index.ts';
import { createJournal, createStore, type Journal, type Store, type StoreConfig } from './store/index.ts';
import { createRegistryRepo } from './store/repos/registry-repo.ts';
import { asPathsFrom, createQuality, type QualityConfig, type QualityService } from './quality/index.ts';
import { asPathLength } from './registry/route-model.ts';
import qualityRoutes from './api/routes/quality.ts';
import { createQualityRepo } from './store/repos/quality-repo.ts';
import { createArbiterService, type ArbiterService } from './arbiter/service.ts';
import routeRoutes from './api/routes/routes.ts';
import { createRoutesRepo } from './store/repos/arbiter-repo.ts';
import { createMetering, createFlowService, meteringCheckpointFile, type MeteringService, type MeteringConfig, type FlowConfig, type FlowService } from './metering/index.ts';
import trafficRoutes from './api/routes/traffic.ts';
import { createMeteringRepo } from './store/repos/metering-repo.ts';
import { createMarket, type MarketService, type MarketConfig } from './market/index.ts';
import marketRoutes from './api/routes/market.ts';
import { createMarketRepo } from './store/repos/market-repo.ts';
// @bandex:imports — areas add their imports above this line

/** Every running component, by name. Areas add one line at the marked place. */
export interface Services {
  registry: Registry;
  quality: QualityService;
  arbiter: ArbiterService;
  metering: MeteringService;
  flow: FlowService;
  market: MarketService;
  // @bandex:service-types — areas add `market: MarketService;` above this line
}

/** What a service factory receives. `services` holds the services created before it. */
export interface ServiceDeps {
  config: BandexConfig;
  clock: Clock;
  ids: IdSource;
  reporter: Reporter;
  store: Store;
  journal: Journal;
  services: Services;
}

export interface Service {
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export interface ServiceEntry {
  name: keyof Services;
  create(deps: ServiceDeps): Service;
}

/** Typed helper for the list below. */
export function service<K extends keyof Services>(name: K, create: (deps: ServiceDeps) => Services[K] & Service): ServiceEntry {
  return { name, create };
}

/** Created and started in this order, stopped in reverse. */
const SERVICES: ServiceEntry[] = [
  service('registry', (d) => createRegistry({ repo: createRegistryRepo(d.store.db, d.journal), clock: d.clock, ids: d.ids, reporter: d.reporter })),
  service('quality', (d) => createQuality({ clock: d.clock, ids: d.ids, reporter: d.reporter, repo: createQualityRepo(d.store.db, d.journal), events: d.journal, memberOfPort: (id) => d.services.registry.getPort(id)?.memberId, asPaths: asPathsFrom((p, pfx) => { const r = (d.services as Partial<Services>).arbiter?.registry.memberCoveringRoute(p, pfx); return r && asPathLength(r.attrs.asPath); }) }, d.config.quality as QualityConfig)),
  service('arbiter', (d) => createArbiterService({ clock: d.clock, reporter: d.reporter, members: d.services.registry, events: d.journal, repo: createRoutesRepo(d.store.db, d.journal), append: (e) => d.journal.append(e) }, d.config.bgp)),
  service('metering', (d) => createMetering({ clock: d.clock, reporter: d.reporter, ports: d.services.registry, repo: createMeteringRepo(d.store.db, d.journal, (id) => d.services.registry.getPort(id)?.memberId), checkpointFile: meteringCheckpointFile(d.config.metering as MeteringConfig, d.store.sqlite?.name) }, d.config.metering as MeteringConfig)),
  service('flow', (d) => createFlowService({ clock: d.clock, reporter: d.reporter, sink: d.services.metering.sink }, d.config.flow as FlowConfig)),
  service('market', (d) => createMarket({ clock: d.clock, ids: d.ids, reporter: d.reporter, repo: createMarketRepo(d.store.db, d.journal, d.store.sqlite), quality: d.services.quality, ports: { port: (id) => d.services.registry.getPort(id) } }, d.config.market as MarketConfig)),
  // @bandex:services — areas add `service('market', (d) => createMarket({ ... }, d.config.market)),` above this line
];

const ROUTES: RouteModule[] = [
  systemRoutes,
  registryRoutes,
  eventRoutes,
  qualityRoutes,
  routeRoutes,
  trafficRoutes,
  marketRoutes,
  // @bandex:routes — areas add their route module (default export of src/api/routes/<area>.ts) above this line
];

export interface BuildAppOptions {
  config?: BandexConfig;
  clock?: Clock;
  ids?: IdSource;
  reporter?: Reporter;
  /** Overrides the store the config names (tests pass one per dialect). */
  store?: StoreConfig;
}

export interface App {
  fastify: FastifyInstance;
  ctx: ApiContext;
  services: Services;
  /** Stops accepting, finishes in-flight requests, stops services in reverse, flushes the journal, closes the store. */
  close(): Promise<void>;
}

const SQLITE_SYNC = ['pipelined', 'full', 'normal'] as const;

export function storeConfigOf(config: BandexConfig): StoreConfig {
  const sync = config.store.sqliteSynchronous as (typeof SQLITE_SYNC)[number];
  if (!SQLITE_SYNC.includes(sync)) {
    throw configErrors.make('CONFIG_INVALID', `store.sqliteSynchronous: must be one of ${SQLITE_SYNC.join(', ')}, not ${JSON.stringify(sync)}`, { field: 'store.sqliteSynchronous' });
  }
  if (config.server.database) return { kind: 'postgres', url: config.server.database, poolSize: config.store.postgresPoolSize };
  return { kind: 'sqlite', path: join(config.server.dataDir, 'bandex.sqlite'), synchronous: sync };
}

export async function buildApp(opts: BuildAppOptions = {}): Promise<App> {
  const config = opts.config ?? makeConfig();
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds(clock);
  const reporter = opts.reporter ?? createReporter({ level: config.server.logLevel });
  const store = createStore(opts.store ?? storeConfigOf(config), { reporter });
  const started: { name: string; s: Service }[] = [];
  let journal: Journal | undefined;
  try {
    await store.migrate();
    journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter }, {
      groupCommit: config.store.groupCommit,
      maxBatch: config.store.maxBatch,
      writerThread: config.store.sqliteWriterThread,
    });
    await journal.start();
    const services = {} as Services;
    const deps: ServiceDeps = { config, clock, ids, reporter, store, journal, services };
    for (const entry of SERVICES) {
      const s = entry.create(deps);
      (services as unknown as Record<string, Service>)[entry.name] = s;
      await s.start?.();
      started.push({ name: entry.name, s });
    }
    const ctx: ApiContext = { config, clock, ids, reporter, store, journal, services };
    const fastify = await buildHttp(ctx);
    let closing: Promise<void> | undefined;
    const j = journal;
    return {
      fastify,
      ctx,
      services,
      close() {
        closing ??= (async () => {
          const log = reporter.log;
          await fastify.close();
          log.info('shutdown: HTTP closed, in-flight requests finished');
          for (const { name, s } of started.reverse()) {
            await s.stop?.();
            log.info({ service: name }, 'shutdown: service stopped');
          }
          await j.close();
          log.info({ seq: j.lastSeq() }, 'shutdown: journal flushed');
          await store.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    for (const { s } of started.reverse()) await s.stop?.();
    await journal?.close();
    await store.close();
    throw e;
  }
}

async function buildHttp(ctx: ApiContext): Promise<FastifyInstance> {
  const { config, reporter } = ctx;
  const app = Fastify({
    loggerInstance: reporter.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: request logging is off and our errors are logged with url and
    // method, so a per-request `{ reqId }` child (a pino child costs ~0.2 µs and garbage on every
    // request) would bind an id that no log line needs. Fastify's own rare warnings go to the
    // shared logger.
    childLoggerFactory: (logger) => logger,
    bodyLimit: config.api.bodyLimitBytes,
    return503OnClosing: false, // answered below with our error body (SHUTTING_DOWN)
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setValidatorCompiler(typeboxValidatorCompiler);
  installErrorHandling(app, reporter);
  // Graceful close: Node closes idle keep-alive connections only once, when close() starts; a
  // connection that finishes its in-flight request afterwards would stay open until the
  // keep-alive timeout. Answer in-flight requests with `Connection: close` and keep sweeping.
  let closing = false;
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
    sweeper.unref();
  });
  // Per-request hooks are callback-style, not async: each async hook costs a promise and a
  // microtask hop on every request (bench/market-http.ts measures the server's CPU per request).
  app.addHook('onRequest', (_req, _reply, done) => {
    if (closing) return done(commonErrors.make('SHUTTING_DOWN', 'the server is stopping; retry in a moment'));
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => clearInterval(sweeper));
  installRequestCounter(app, reporter, { accessLog: config.api.accessLog });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'bandex API', version: '1', description: 'An exchange for IP bandwidth. Errors: docs/errors.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  installAuth(app, ctx.services.registry);
  const idem = installIdempotency(app, { db: ctx.store.db, journal: ctx.journal, clock: ctx.clock, reporter, ttlHours: config.api.idempotencyTtlHours });
  await idem.prune();
  const pruneTimer = setInterval(() => idem.prune().catch((e) => reporter.error('api', 'IDEMPOTENCY_PRUNE_FAILED', e)), 3_600_000);
  pruneTimer.unref();
  app.addHook('onClose', async () => clearInterval(pruneTimer));
  registerStream(app, ctx);
  for (const mod of ROUTES) await app.register(async (scope) => mod(scope, ctx));
  await app.ready();
  return app;
}
