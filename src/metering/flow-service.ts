/**
 * The collector as a bandex service: UDP listeners from config `flow.listen` (`bandex serve
 * --flow-listen HOST:PORT`), records into the metering sink, per-exporter counters exported to
 * Prometheus through the reporter (deltas pushed every few seconds and at stop), dropped
 * datagrams counted and logged rate-limited.
 */
import type { Clock, Reporter } from '../lib/index.ts';
import { createFlowCollector, FlowDecodeError } from '../flow/index.ts';
import type { ExporterSnapshot, FlowCollector, FlowListen, FlowSink } from '../flow/index.ts';
import { parseListen, parseSampling } from './config.ts';
import type { FlowConfig } from './config.ts';

export interface FlowService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Bound addresses (ports resolved when 0 was asked), empty when the collector is off. */
  addresses(): FlowListen[];
  exporters(): ExporterSnapshot[];
  stats(): { listening: boolean; datagrams: number; records: number; decodeErrors: number; sinkErrors: number; recvBufferSizes: number[] };
}

const COUNTERS = ['datagrams', 'records', 'templateMisses', 'decodeErrors', 'lost', 'bytes'] as const;

export function createFlowService(deps: { clock: Clock; reporter: Reporter; sink: FlowSink }, config: FlowConfig): FlowService {
  const listen = parseListen(config.listen);
  const sampling = parseSampling(config.sampling);
  const r = deps.reporter;
  const metric = {
    datagrams: r.counter('bandex_flow_datagrams_total', 'Flow datagrams received per exporter', ['exporter', 'protocol']),
    records: r.counter('bandex_flow_records_total', 'Flow records decoded per exporter', ['exporter', 'protocol']),
    templateMisses: r.counter('bandex_flow_template_misses_total', 'Data sets whose template was unknown', ['exporter', 'protocol']),
    decodeErrors: r.counter('bandex_flow_decode_errors_total', 'Datagrams dropped as malformed', ['exporter', 'protocol']),
    lost: r.counter('bandex_flow_lost_total', 'Sequence gaps (v5/IPFIX: records; v9/sFlow: datagrams)', ['exporter', 'protocol']),
    bytes: r.counter('bandex_flow_datagram_bytes_total', 'Bytes of flow datagrams received', ['exporter', 'protocol']),
  };
  const seen = new Map<string, Record<string, number>>();
  let collector: FlowCollector | null = null;
  let timer: NodeJS.Timeout | null = null;

  function push(): void {
    if (!collector) return;
    for (const e of collector.exporters()) {
      const prev = seen.get(e.exporter) ?? {};
      const labels = { exporter: e.exporter, protocol: e.protocol ?? 'unknown' };
      for (const k of COUNTERS) {
        const d = e[k] - (prev[k] ?? 0);
        if (d > 0) metric[k].inc(labels, d);
        prev[k] = e[k];
      }
      seen.set(e.exporter, prev);
    }
  }

  return {
    async start() {
      if (listen.length === 0) return;
      collector = createFlowCollector(
        {
          listen, recvBufferSize: config.recvBufferSize, templateTimeoutMs: config.templateTimeoutSeconds * 1000,
          sampling, now: () => deps.clock.now(),
        },
        deps.sink,
        {
          onError: (err, source) => {
            const code = err instanceof FlowDecodeError ? err.code : 'FLOW_SINK_ERROR';
            r.error('flow', code, err, { source });
          },
        },
      );
      const bound = await collector.start();
      const st = collector.stats();
      r.log.info({ listen: bound, recvBufferSizes: st.recvBufferSizes }, 'flow collector listening');
      // Linux reports twice the size it allows, so a granted figure below the request means
      // net.core.rmem_max capped SO_RCVBUF: bursts beyond it are dropped by the kernel
      if (st.recvBufferCapped) {
        r.log.warn({ requested: config.recvBufferSize, granted: st.recvBufferSizes }, 'flow socket receive buffer capped by net.core.rmem_max; raise it (sysctl) to absorb larger bursts');
      }
      timer = setInterval(push, 5000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      push();
      await collector?.stop();
    },
    addresses: () => collector?.addresses() ?? [],
    exporters: () => {
      push();
      return collector?.exporters() ?? [];
    },
    stats: () => ({ listening: !!collector, ...(collector?.stats() ?? { datagrams: 0, records: 0, decodeErrors: 0, sinkErrors: 0, recvBufferSizes: [] }) }),
  };
}
