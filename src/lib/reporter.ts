/**
 * The reporter: one logger and one metrics registry shared by every component.
 * Counters are created once by name (asking twice returns the same one), so a component can
 * declare its metrics where it uses them. Non-fatal errors go through `error()`, which counts
 * them by code and rate-limits the log so a storm of bad packets cannot flood it.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Reporter {
  readonly log: Logger;
  readonly registry: Registry;
  counter<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: number[],
  ): Histogram<L>;
  /** Counts a non-fatal error under `component`/`code` and logs it at most once per second per code. */
  error(component: string, code: string, err: unknown, context?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Reporter;
}

export interface ReporterOptions {
  level?: LoggerOptions['level'];
  /** Write logs here instead of stdout (tests pass a sink or `false` to silence). */
  destination?: NodeJS.WritableStream | false;
  /** Collect Node's process metrics (off in tests to keep registries cheap). */
  defaultMetrics?: boolean;
}

export function createReporter(opts: ReporterOptions = {}): Reporter {
  const log =
    opts.destination === false
      ? pino({ level: 'silent' })
      : opts.destination
        ? pino({ level: opts.level ?? 'info' }, opts.destination)
        : pino({ level: opts.level ?? 'info' });
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'bandex_' });
  return build(log, registry, { lastLogged: new Map() });
}

function build(log: Logger, registry: Registry, shared: { lastLogged: Map<string, number> }): Reporter {
  const metric = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  const errors = metric(
    'bandex_errors_total',
    () =>
      new Counter({
        name: 'bandex_errors_total',
        help: 'Non-fatal errors by component and code',
        labelNames: ['component', 'code'] as const,
        registers: [registry],
      }),
  );
  const r: Reporter = {
    log,
    registry,
    counter(name, help, labelNames = []) {
      return metric(name, () => new Counter({ name, help, labelNames: [...labelNames], registers: [registry] }));
    },
    gauge(name, help, labelNames = []) {
      return metric(name, () => new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] }));
    },
    histogram(name, help, labelNames = [], buckets) {
      return metric(
        name,
        () => new Histogram({ name, help, labelNames: [...labelNames], registers: [registry], ...(buckets ? { buckets } : {}) }),
      );
    },
    error(component, code, err, context) {
      errors.inc({ component, code });
      const key = `${component}:${code}`;
      const now = Date.now();
      if ((shared.lastLogged.get(key) ?? 0) + 1000 > now) return;
      shared.lastLogged.set(key, now);
      log.warn({ component, code, err, ...context }, `${component}: ${code}`);
    },
    child(bindings) {
      return build(log.child(bindings), registry, shared);
    },
  };
  return r;
}
