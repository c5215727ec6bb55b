/**
 * The metering sink as it runs in the collector's decode worker (flow.decodeThreads 1, see
 * flow-service.ts): flows are mapped to ports (port-table.ts, the table comes from the main
 * thread), classified and spread over bins here, off the main thread, and every `postEveryMs` the
 * worker's open bins are handed to the main thread as additive deltas (all destinations, not only
 * the top N) and forgotten. The main thread adds them into its own open bins (metering.ts
 * `applyDeltas`), which it flushes, checkpoints and answers queries from as before, so totals are
 * exactly what inline aggregation gives.
 */
import type { WorkerSink, WorkerSinkContext } from '../flow/index.ts';
import { Aggregator } from './aggregator.ts';
import type { AggregatorOptions } from './aggregator.ts';
import { PortMapper } from './port-mapper.ts';
import { TablePortDirectory } from './port-table.ts';
import type { PortMapping } from './port-directory.ts';
import type { BinRow, DestinationRow } from './metering-repo.ts';

export interface MeteringWorkerOptions {
  aggregator: AggregatorOptions;
  ports: PortMapping[];
  postEveryMs: number;
}

/** Worker → main thread. */
export interface MeteringDeltas {
  type: 'deltas';
  bins: BinRow[];
  destinations: DestinationRow[];
  flows: number;
  unattributed: number;
}

/** Main thread → worker. */
export interface MeteringPortsUpdate {
  type: 'ports';
  ports: PortMapping[];
}

export function createFlowSink(options: MeteringWorkerOptions, ctx: WorkerSinkContext): WorkerSink {
  const dir = new TablePortDirectory(options.ports);
  // the mapper's cache clock, read per record, ticks from a timer here: reading the time per flow
  // costs a fifth of the aggregation (and the table copy clears the cache when it changes anyway)
  let tick = performance.now();
  const ticker = setInterval(() => {
    tick = performance.now();
  }, 250);
  const mapper = new PortMapper(dir, () => tick);
  const agg = new Aggregator(mapper, options.aggregator);
  let flows = 0;
  let unattributed = 0;

  function post(): void {
    const { bins, destinations } = agg.drain(Infinity, Infinity);
    const df = agg.flows - flows;
    const du = agg.unattributed - unattributed;
    flows = agg.flows;
    unattributed = agg.unattributed;
    if (bins.length === 0 && df === 0 && du === 0) return;
    ctx.post({ type: 'deltas', bins, destinations, flows: df, unattributed: du } satisfies MeteringDeltas);
  }

  const timer = setInterval(post, options.postEveryMs);
  return {
    flow: (rec) => agg.ingest(rec),
    message(data) {
      const m = data as MeteringPortsUpdate;
      if (m?.type === 'ports') {
        dir.replace(m.ports);
        mapper.clear();
      }
    },
    close() {
      clearInterval(timer);
      clearInterval(ticker);
      post();
    },
  };
}
