/**
 * The server process: builds the app, bootstraps the first admin key, listens, and shuts down
 * gracefully on SIGINT/SIGTERM — stop accepting, finish in-flight requests, stop components in
 * reverse order, flush the journal, close the store, exit 0. A second signal exits at once (1).
 */
import { buildApp, type App } from './app.ts';
import { parseListen, type BandexConfig } from './config.ts';
import { createReporter, systemClock } from './lib/index.ts';

export interface RunningServer {
  app: App;
  url: string;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Where human messages go (the admin key, the listening address). */
  out?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers that stop and exit the process. */
  handleSignals?: boolean;
}

export async function runServer(config: BandexConfig, opts: RunOptions = {}): Promise<RunningServer> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const reporter = createReporter({ level: config.server.logLevel, destination: process.stderr, defaultMetrics: true });
  const { host, port } = parseListen(config.server.listen);
  const app = await buildApp({ config, clock: systemClock, reporter });
  let address: string;
  try {
    const registry = app.services.registry;
    if (config.server.adminToken) {
      await registry.ensureAdminToken(config.server.adminToken, 'system:bootstrap');
    } else if (!registry.hasAdminKey()) {
      const { token } = await registry.createKey({ memberId: null, label: 'bootstrap' }, 'system:bootstrap');
      out(`bandex: created the first admin key (shown once, keep it): ${token}`);
    }
    address = await app.fastify.listen({ host, port });
  } catch (e) {
    // A start that fails (address in use, unusable admin token) must not leave the store open.
    await app.close();
    throw e;
  }
  out(`bandex: listening on ${address} (${app.ctx.store.dialect}, API docs at ${address}/docs)`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const timer = setTimeout(() => {
        app.fastify.server.getConnections((_e, open) =>
          reporter.log.error({ openConnections: open, resources: process.getActiveResourcesInfo() }, 'shutdown took longer than server.shutdownTimeoutMs; exiting'),
        );
        setTimeout(() => process.exit(1), 100).unref();
        return;
      }, config.server.shutdownTimeoutMs);
      timer.unref();
      await app.close();
      clearTimeout(timer);
    })();
    return stopping;
  };

  if (opts.handleSignals) {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) process.exit(1);
      reporter.log.info({ signal: sig }, 'shutting down');
      stop().then(
        () => {
          out('bandex: stopped');
          process.exit(0);
        },
        (err: unknown) => {
          reporter.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { app, url: address, stop };
}
