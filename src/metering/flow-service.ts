/**
 * The collector as a bandex service: UDP listeners from config `flow.listen` (`bandex serve
 * --flow-listen HOST:PORT`), records into the metering sink, per-exporter counters exported to
 * Prometheus through the reporter (deltas pushed every few seconds and at stop), dropped
 * datagrams counted and logged rate-limited.
 *
 * With `flow.decodeThreads` 1 (default) and a sink that can run in a worker (metering's
 * `sink.worker()`), receiving, decoding and aggregation all happen in the collector's worker
 * thread — natively with recvmmsg when the addon is built (`flow.receive`), else fed by
 * node:dgram on this thread — and this thread only adds the worker's bin deltas. Otherwise the
 * collector decodes inline into the sink.
 */
import type { Clock, Reporter } from '../lib/index.ts';
import { createFlowCollector, FlowDecodeError } from '../flow/index.ts';
import type { ExporterSnapshot, FlowCollector, FlowListen, FlowSink } from '../flow/index.ts';
import { checkFlowConfig, parseListen, parseSampling } from './config.ts';
import type { FlowConfig } from './config.ts';
import type { MeteringWorkerSpec } from './metering.ts';

export interface FlowService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Bound addresses (ports resolved when 0 was asked), empty when the collector is off. */
  addresses(): FlowListen[];
  exporters(): ExporterSnapshot[];
  stats(): {
    listening: boolean; datagrams: number; records: number; decodeErrors: number; sinkErrors: number; recvBufferSizes: number[];
    receivePath: 'native' | 'dgram' | 'inline'; kernelDrops: number; queueDrops: number;
  };
}

const COUNTERS = ['datagrams', 'records', 'templateMisses', 'decodeErrors', 'lost', 'bytes'] as const;

export function createFlowService(deps: { clock: Clock; reporter: Reporter; sink: FlowSink & { worker?(): MeteringWorkerSpec | null } }, config: FlowConfig): FlowService {
  checkFlowConfig(config);
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
  const kernelDrops = r.counter('bandex_flow_kernel_drops_total', 'Flow datagrams the kernel dropped because a socket receive buffer was full (native receive path)');
  const queueDrops = r.counter('bandex_flow_queue_drops_total', 'Flow datagrams dropped because the decode worker was behind (dgram receive path)');
  const workerRestarts = r.counter('bandex_flow_worker_restarts_total', 'Flow decode workers started again after one died');
  const receivePath = r.gauge('bandex_flow_receive_path', 'Receive path in use (1 for the active one)', ['path']);
  const seen = new Map<string, Record<string, number>>();
  let collector: FlowCollector | null = null;
  let path: 'native' | 'dgram' | 'inline' = 'inline';
  let timer: NodeJS.Timeout | null = null;
  let unfollow: (() => void) | null = null;
  let lastDrops = { kernel: 0, queue: 0 };

  function push(): void {
    if (!collector) return;
    const st = collector.stats();
    if (st.kernelDrops > lastDrops.kernel) kernelDrops.inc(st.kernelDrops - lastDrops.kernel);
    if (st.queueDrops > lastDrops.queue) queueDrops.inc(st.queueDrops - lastDrops.queue);
    lastDrops = { kernel: st.kernelDrops, queue: st.queueDrops };
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
      const spec = config.decodeThreads === 1 ? deps.sink.worker?.() ?? null : null;
      const receive = config.receive as 'auto' | 'native' | 'dgram';
      const base = { listen, recvBufferSize: config.recvBufferSize, coalesceMicros: config.receiveCoalesceMicros, templateTimeoutMs: config.templateTimeoutSeconds * 1000, sampling };
      const onError = (err: unknown, source: string) => {
        const code = err instanceof FlowDecodeError ? err.code : 'FLOW_SINK_ERROR';
        r.error('flow', code, err, { source });
      };
      collector = spec
        ? createFlowCollector({ ...base, decodeThreads: 1, receive, sinkModule: spec.module, sinkOptions: spec.options }, null, {
          onError, onSinkMessage: spec.onMessage,
          onWorkerRestart: (n) => {
            workerRestarts.inc();
            r.log.warn({ restarts: n }, 'flow decode worker restarted (it died; see the error logged before)');
          },
        })
        : createFlowCollector({ ...base, now: () => deps.clock.now() }, deps.sink, { onError });
      const bound = await collector.start();
      const c = collector;
      if (spec) unfollow = spec.follow((data) => c.postToSink(data));
      const st = collector.stats();
      path = spec ? st.receivePath : 'inline';
      receivePath.set({ path }, 1);
      r.log.info({ listen: bound, recvBufferSizes: st.recvBufferSizes, receivePath: path }, 'flow collector listening');
      // said once per start: the dgram path costs about twice the CPU per record
      if (spec && st.nativeUnavailable) r.log.warn({ reason: st.nativeUnavailable }, 'flow collector: native receive path unavailable, using node:dgram');
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
      unfollow?.();
      unfollow = null;
      await collector?.stop(); // threaded: the worker's last deltas arrive before this resolves
      push();
    },
    addresses: () => collector?.addresses() ?? [],
    exporters: () => {
      push();
      return collector?.exporters() ?? [];
    },
    stats: () => {
      const st = collector?.stats();
      return {
        listening: !!collector,
        datagrams: st?.datagrams ?? 0, records: st?.records ?? 0, decodeErrors: st?.decodeErrors ?? 0, sinkErrors: st?.sinkErrors ?? 0,
        recvBufferSizes: st?.recvBufferSizes ?? [], receivePath: path, kernelDrops: st?.kernelDrops ?? 0, queueDrops: st?.queueDrops ?? 0,
      };
    },
  };
}
