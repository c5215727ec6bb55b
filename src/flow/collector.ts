/**
 * UDP collector: one or more listeners (each auto-detecting the protocol from the version field),
 * a large socket receive buffer so bursts are queued by the kernel rather than dropped, and one
 * FlowDecoder holding per-exporter state. A bad datagram is counted and dropped; a throwing sink
 * is counted too; the collector keeps running.
 *
 * `decodeThreads: 1` splits the work over two threads: Node spends about as long receiving a
 * datagram as decoding it, so this thread only receives and packs datagrams into transferable
 * batch buffers (batch.ts) while a worker (collector-worker.ts) decodes them with the decoder and
 * a sink loaded from `sinkModule` in that thread. `decodeThreads: 0` decodes inline into the
 * sink object given to the factory (tests, embedding, sinks that need this thread's state).
 *
 * With `decodeThreads: 1` and the native addon available (native.ts, `receive: 'auto'`), the
 * worker owns the sockets and receives with recvmmsg itself, decoding straight from its receive
 * buffer: this thread then only relays counters. Without the addon the dgram path above is used
 * (`stats().receivePath` says which; `nativeUnavailable` why).
 *
 * A worker that dies (an exception in the sink's timers, say) is reported and started again after
 * a backoff (`restartDelayMs`, doubling up to RESTART_MAX_MS while it keeps dying young): a native
 * worker binds the same addresses again, the dgram path keeps its sockets. What the dead worker
 * held (open aggregation deltas, templates) is lost; the last `postToSink` message is sent to the
 * new one, since sinks get state (the metering port table) that way.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FlowDecoder } from './decoder.ts';
import type { FlowDecoderOptions } from './decoder.ts';
import type { FlowSink } from './sink.ts';
import type { ExporterSnapshot } from './exporter-state.ts';
import { FlowDecodeError } from './errors.ts';
import { BATCH_HEADER } from './batch.ts';
import type { FromWorker, NativeReady, ToWorker } from './batch.ts';
import { flowIoUnavailable, loadFlowIo } from './native.ts';

export interface FlowListen {
  host: string;
  /** 0 picks an ephemeral port (see `addresses()` after start). */
  port: number;
}

export interface FlowCollectorConfig extends FlowDecoderOptions {
  listen: FlowListen[];
  /** SO_RCVBUF in bytes (the kernel may cap it at net.core.rmem_max). Default 8 MiB. */
  recvBufferSize?: number;
  /** 0: decode inline into the factory's sink; 1: decode in a worker thread into `sinkModule`'s sink. */
  decodeThreads?: 0 | 1;
  /** Worker mode: module (URL or absolute path) exporting `createFlowSink(sinkOptions)`; none = count only. */
  sinkModule?: string;
  sinkOptions?: unknown;
  /** Worker mode: longest a received datagram waits for its batch to fill (ms, default 2; 0 = one loop turn). */
  batchDelayMs?: number;
  /** Worker mode: 'auto' (default) receives with the native addon when it loads, else node:dgram;
   * 'native' fails start() without the addon; 'dgram' never uses it. Inline mode always uses dgram. */
  receive?: 'auto' | 'native' | 'dgram';
  /** Native path: past net.core.rmem_max with SO_RCVBUFFORCE when privileged (default true). */
  forceRecvBuffer?: boolean;
  /** Native path: a receive that emptied the sockets with fewer than 32 datagrams sleeps this long
   * (µs) once and takes what arrived meanwhile, so a moderate rate costs one wake-up per batch
   * rather than per datagram (default 1000; 0 = off). */
  coalesceMicros?: number;
  /** Worker mode: first delay before a dead decode worker is started again (ms, default 1000). */
  restartDelayMs?: number;
}

export interface FlowCollectorStats {
  datagrams: number;
  records: number;
  decodeErrors: number;
  sinkErrors: number;
  /** Worker mode: datagrams dropped because every batch buffer was waiting for the decoder. */
  queueDrops: number;
  /** Worker mode: batches handed to the decoder. */
  batches: number;
  /** Kernel receive buffer actually granted, per listener (Linux reports twice the usable size). */
  recvBufferSizes: number[];
  /** True when the kernel granted less than asked (net.core.rmem_max caps SO_RCVBUF). */
  recvBufferCapped: boolean;
  /** 'native': recvmmsg in the decode worker; 'dgram': node:dgram on this thread. */
  receivePath: 'native' | 'dgram';
  /** Why the native path is not used ('' when it is, or was not wanted). */
  nativeUnavailable: string;
  /** Native path: datagrams the kernel dropped on the sockets (receive buffer full); 0 on dgram. */
  kernelDrops: number;
  /** Worker mode: decode workers started again after one died. */
  workerRestarts: number;
}

export interface FlowCollectorHooks {
  /** Called for each dropped datagram with the reason (for logs/metrics). */
  onError?(err: unknown, source: string): void;
  /** Worker mode: data the worker's sink posted (`WorkerSinkContext.post`). */
  onSinkMessage?(data: unknown): void;
  /** Worker mode: a dead decode worker was replaced (`restarts` so far). */
  onWorkerRestart?(restarts: number): void;
}

export interface FlowCollector {
  start(): Promise<FlowListen[]>;
  stop(): Promise<void>;
  addresses(): FlowListen[];
  exporters(): ExporterSnapshot[];
  stats(): FlowCollectorStats;
  /** Worker mode: what the worker sink's `result()` returned at stop. */
  sinkResult(): unknown;
  /** Worker mode: hands `data` to the worker sink's `message()` (ordered with everything else); the
   * last such message is handed again to a restarted worker's sink. */
  postToSink(data: unknown): void;
  /** The inline decoder; null in worker mode (its state lives in the worker). */
  readonly decoder: FlowDecoder | null;
}

const BATCH_BYTES = 128 * 1024;
/** Batches in flight or queued at the worker at most (64 MiB, ~8x a typical granted socket buffer,
 * for when the decode thread is descheduled): beyond that, drop and count. */
const MAX_BATCHES = 512;
/** Longest wait before a dead decode worker is started again; a worker that lived this long
 * before dying starts the backoff afresh. */
const RESTART_MAX_MS = 60_000;

export function createFlowCollector(config: FlowCollectorConfig, sink: FlowSink | null, hooks: FlowCollectorHooks = {}): FlowCollector {
  const threaded = (config.decodeThreads ?? 0) === 1;
  if (!threaded && !sink) throw new Error('createFlowCollector: a sink is required when decodeThreads is 0');
  if (threaded && sink) throw new Error('createFlowCollector: with decodeThreads 1 the sink comes from sinkModule (it runs in the worker)');
  const decoder = threaded ? null : new FlowDecoder(config);
  const sockets: dgram.Socket[] = [];
  const requested = config.recvBufferSize ?? 8 * 1024 * 1024;
  const stats: FlowCollectorStats = {
    datagrams: 0, records: 0, decodeErrors: 0, sinkErrors: 0, queueDrops: 0, batches: 0, recvBufferSizes: [], recvBufferCapped: false,
    receivePath: 'dgram', nativeUnavailable: '', kernelDrops: 0, workerRestarts: 0,
  };
  const receive = config.receive ?? 'auto';
  // the addon is loaded here only to decide (and to say why not); the worker loads its own copy
  let wantNative = threaded && receive !== 'dgram' && loadFlowIo() !== null;
  if (threaded && receive !== 'dgram' && !wantNative) stats.nativeUnavailable = flowIoUnavailable();
  if (receive === 'native' && !wantNative) throw new Error(`createFlowCollector: receive 'native' but ${threaded ? stats.nativeUnavailable : 'decodeThreads is 0'}`);
  let bound: FlowListen[] = [];
  let expiry: NodeJS.Timeout | null = null;
  const templateTimeoutMs = config.templateTimeoutMs ?? 30 * 60_000;
  const expiryEveryMs = Math.max(1000, Math.min(60_000, templateTimeoutMs / 4));

  function onInline(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    stats.datagrams++;
    try {
      stats.records += decoder!.decode(msg, rinfo.address, sink!);
    } catch (err) {
      if (err instanceof FlowDecodeError) stats.decodeErrors++;
      else stats.sinkErrors++;
      hooks.onError?.(err, rinfo.address);
    }
  }

  // ---- worker mode: receive thread packs, worker decodes --------------------------------------
  let worker: Worker | null = null;
  let lastExporters: ExporterSnapshot[] = [];
  let sinkResult: unknown;
  let final: ((m: FromWorker) => void) | null = null;
  const free: ArrayBuffer[] = [];
  let allocated = 0;
  let cur: { ab: ArrayBuffer; bytes: Buffer; view: DataView } | null = null;
  let used = 0;
  let count = 0;
  let flushScheduled = false;
  const batchDelayMs = config.batchDelayMs ?? 2;
  let batches = 0;
  const addrIndex = new Map<string, number>();
  let newAddrs: string[] = [];
  let stopped = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let restartFailures = 0;
  let workerStartedAt = 0;
  let lastSinkMessage: { data: unknown } | null = null;
  const restartDelayMs = config.restartDelayMs ?? 1000;

  function take(): boolean {
    let ab = free.pop();
    if (!ab) {
      if (allocated >= MAX_BATCHES) return false;
      ab = new ArrayBuffer(BATCH_BYTES);
      allocated++;
    }
    cur = { ab, bytes: Buffer.from(ab), view: new DataView(ab) };
    used = 0;
    count = 0;
    return true;
  }

  function flush(): void {
    flushScheduled = false;
    if (!cur || count === 0 || !worker) return;
    const m: ToWorker = { type: 'batch', buf: cur.ab, used, count, newAddrs };
    newAddrs = [];
    cur = null;
    batches++;
    worker.postMessage(m, [m.buf]);
  }

  function onThreaded(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    stats.datagrams++;
    if (!worker) {
      // no decoder (it died and waits for its restart): nothing would take the batch
      stats.queueDrops++;
      return;
    }
    const need = BATCH_HEADER + msg.length;
    if (cur && used + need > BATCH_BYTES) flush();
    if (!cur && !take()) {
      stats.queueDrops++;
      return;
    }
    let ai = addrIndex.get(rinfo.address);
    if (ai === undefined) {
      ai = addrIndex.size;
      addrIndex.set(rinfo.address, ai);
      newAddrs.push(rinfo.address);
    }
    const c = cur!;
    c.view.setUint16(used, msg.length);
    c.view.setUint16(used + 2, rinfo.port);
    c.view.setUint32(used + 4, ai);
    msg.copy(c.bytes, used + BATCH_HEADER);
    used += need;
    count++;
    // a batch leaves when full or `batchDelayMs` after its first datagram: each hand-over wakes
    // the worker and costs both threads a message, so small batches would eat the gain
    if (!flushScheduled) {
      flushScheduled = true;
      if (batchDelayMs > 0) setTimeout(flush, batchDelayMs);
      else setImmediate(flush);
    }
  }

  function onWorkerMessage(m: FromWorker): void {
    if (m.type === 'done' || m.type === 'counts') {
      if (m.exporters) lastExporters = m.exporters;
      if (m.type === 'done') free.push(m.buf);
      else {
        stats.datagrams += m.datagrams;
        stats.kernelDrops = m.kernelDrops;
      }
      stats.records += m.records;
      stats.decodeErrors += m.decodeErrors;
      stats.sinkErrors += m.sinkErrors;
      for (const e of m.errors) {
        let err: Error;
        if (e.code) {
          err = new FlowDecodeError(e.code, '', -1);
          err.message = e.message;
        } else {
          err = new Error(e.message);
        }
        hooks.onError?.(err, e.source);
      }
    } else if (m.type === 'sink') {
      hooks.onSinkMessage?.(m.data);
    } else if (m.type === 'exporters') {
      lastExporters = m.exporters;
    } else if (m.type === 'final') {
      lastExporters = m.exporters;
      sinkResult = m.sinkResult;
      final?.(m);
    }
  }

  /** Starts the decode worker; in native mode it binds `listen`. */
  async function startWorker(listen: FlowListen[]): Promise<NativeReady | null> {
    // the worker is TypeScript and Node 20 does not run `--import` loaders before a worker's entry
    // module, so a tiny script registers tsx's loader in the worker and then imports the entry
    const entry = new URL('./collector-worker.ts', import.meta.url).href;
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    const { now: _now, ...decoderOptions } = config;
    const w = new Worker(boot, {
      eval: true,
      workerData: {
        decoder: {
          templateTimeoutMs: decoderOptions.templateTimeoutMs, sampling: decoderOptions.sampling,
          forceSampling: decoderOptions.forceSampling, protocols: decoderOptions.protocols, maxExporters: decoderOptions.maxExporters,
        },
        sinkModule: config.sinkModule, sinkOptions: config.sinkOptions, expiryEveryMs, snapshotEveryMs: 1000,
        native: wantNative ? { listen, recvBufferSize: requested, forceRecvBuffer: config.forceRecvBuffer ?? true, coalesceMicros: config.coalesceMicros ?? 1000 } : undefined,
      },
    });
    const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
      const onErr = (err: Error) => reject(err);
      w.once('error', onErr);
      w.on('message', function onReady(m: FromWorker) {
        if (m.type !== 'ready') return;
        w.off('message', onReady);
        w.off('error', onErr);
        resolve(m);
      });
    });
    if (ready.nativeError !== undefined) {
      // the worker could not open its sockets natively; it still decodes batches, so fall back
      stats.nativeUnavailable = ready.nativeError;
      wantNative = false;
      if (receive === 'native') {
        await w.terminate();
        throw new Error(`flow collector: native receive failed: ${ready.nativeError}`);
      }
    }
    w.on('message', onWorkerMessage);
    w.on('error', (err) => hooks.onError?.(err, 'decode-worker'));
    // a dead worker takes no more batches (they count as queue drops) and must not hang stop()
    const nativeFds = ready.native?.fds ?? [];
    w.once('exit', () => {
      // native mode: the sockets are the process's, not the thread's; a worker that died before
      // it was asked to stop never closed them (after a stop it did, and the numbers may be reused)
      if (worker === w && nativeFds.length > 0) {
        const io = loadFlowIo();
        for (const fd of nativeFds) io?.close(fd);
        hooks.onError?.(new Error('flow decode worker exited; its sockets are closed'), 'decode-worker');
      }
      if (worker === w) {
        worker = null;
        // batches the dead worker held never come back
        allocated = free.length + (cur ? 1 : 0);
        // a worker that ran a while before dying starts the backoff afresh
        if (performance.now() - workerStartedAt >= RESTART_MAX_MS) restartFailures = 0;
        scheduleRestart();
      }
      final?.({ type: 'final', exporters: lastExporters, sinkResult });
    });
    worker = w;
    workerStartedAt = performance.now();
    return ready.native ?? null;
  }

  function scheduleRestart(): void {
    if (stopped || restartTimer) return;
    const delay = Math.min(RESTART_MAX_MS, restartDelayMs * 2 ** restartFailures);
    restartFailures++;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      void restartWorker();
    }, delay);
  }

  async function restartWorker(): Promise<void> {
    try {
      // native: the same addresses again (a port first asked as 0 keeps the one it got)
      const native = await startWorker(bound);
      if (stopped) {
        // stop() came while this worker was starting: it never saw it, so end it here
        const w = worker;
        worker = null;
        await w?.terminate();
        const io = native ? loadFlowIo() : null;
        for (const fd of native?.fds ?? []) io?.close(fd);
        return;
      }
      if (!native && sockets.length === 0) {
        // the native path failed this time: receive with node:dgram on the same addresses
        stats.receivePath = 'dgram';
        stats.recvBufferSizes = [];
        for (const l of bound) await listenOne(l);
      }
      stats.workerRestarts++;
      if (lastSinkMessage) worker?.postMessage({ type: 'sink', data: lastSinkMessage.data } satisfies ToWorker);
      hooks.onWorkerRestart?.(stats.workerRestarts);
    } catch (err) {
      hooks.onError?.(err, 'decode-worker');
      scheduleRestart();
    }
  }

  async function listenOne(l: FlowListen): Promise<FlowListen> {
    const type = l.host.includes(':') ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, recvBufferSize: requested });
    sock.on('message', threaded ? onThreaded : onInline);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(l.port, l.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', (err) => hooks.onError?.(err, l.host));
    sockets.push(sock);
    const granted = sock.getRecvBufferSize();
    stats.recvBufferSizes.push(granted);
    if (granted < requested) stats.recvBufferCapped = true;
    const a = sock.address();
    return { host: a.address, port: a.port };
  }

  return {
    decoder,
    async start() {
      stopped = false;
      const native = threaded ? await startWorker(config.listen) : null;
      bound = [];
      if (native) {
        stats.receivePath = 'native';
        bound = native.bound;
        stats.recvBufferSizes = native.recvBufferSizes;
        stats.recvBufferCapped = native.recvBufferSizes.some((g) => g < requested);
      } else {
        for (const l of config.listen) bound.push(await listenOne(l));
      }
      if (decoder) {
        expiry = setInterval(() => decoder.expireTemplates(), expiryEveryMs);
        expiry.unref();
      }
      return bound;
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      if (expiry) clearInterval(expiry);
      expiry = null;
      await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
      const w = worker;
      if (w) {
        flush();
        worker = null;
        // batches already posted are decoded before 'stop' (messages are ordered)
        await new Promise<void>((resolve) => {
          final = () => resolve();
          w.postMessage({ type: 'stop' } satisfies ToWorker);
        });
        await w.terminate();
      }
    },
    addresses: () => bound,
    exporters: () => (decoder ? decoder.exporters() : lastExporters),
    stats: () => ({ ...stats, batches, recvBufferSizes: [...stats.recvBufferSizes] }),
    sinkResult: () => sinkResult,
    postToSink(data) {
      lastSinkMessage = { data };
      worker?.postMessage({ type: 'sink', data } satisfies ToWorker);
    },
  };
}
