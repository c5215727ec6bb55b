/**
 * `bandex_http_requests_total{method,route,status}` and the optional access log, from one
 * onResponse hook.
 *
 * Hot path: a request adds 1 to a plain number found by route → method → status (three Map
 * look-ups, no string built); prom-client sees the totals only when the registry is read
 * (`/metrics`), through the counter's `collect`. A labelled prom-client child re-hashes and
 * re-validates its labels on every `inc()`, which cost more than the rest of the hook.
 * Routes are a fixed set and unknown URLs share 'unknown', so the maps stay small.
 */
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { Reporter } from '../lib/index.ts';

interface Series {
  labels: { method: string; route: string; status: string };
  n: number;
}

/** Every series counted into one prom-client counter (apps that share a reporter add up). */
const seriesOf = new WeakMap<object, Series[]>();

function seriesFor(counter: Counter<'method' | 'route' | 'status'>): Series[] {
  let all = seriesOf.get(counter);
  if (all === undefined) {
    const list: Series[] = [];
    all = list;
    seriesOf.set(counter, list);
    (counter as unknown as { collect?: () => void }).collect = function (this: Counter<'method' | 'route' | 'status'>) {
      this.reset();
      for (const s of list) this.inc(s.labels, s.n);
    };
  }
  return all;
}

export function installRequestCounter(app: FastifyInstance, reporter: Reporter, opts: { accessLog: boolean }): void {
  const counter = reporter.counter('bandex_http_requests_total', 'HTTP requests by route and status', ['method', 'route', 'status']);
  const all = seriesFor(counter);
  const byRoute = new Map<string, Map<string, Map<number, Series>>>();
  const add = (route: string, method: string, status: number) => {
    let byMethod = byRoute.get(route);
    if (byMethod === undefined) byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    const s = byStatus.get(status);
    if (s !== undefined) {
      s.n++;
      return;
    }
    const fresh: Series = { labels: { method, route, status: String(status) }, n: 1 };
    byStatus.set(status, fresh);
    all.push(fresh);
  };
  // Access log: off by default (a line per request is the largest per-request cost pino can
  // add); errors are logged by the error handler whatever this says.
  const accessLog = opts.accessLog;
  app.addHook('onResponse', (req, reply, done) => {
    const url = req.routeOptions.url;
    if (accessLog) reporter.log.info({ method: req.method, url: req.url, route: url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
    add(url ?? 'unknown', req.method, reply.statusCode);
    done();
  });
}
