/**
 * The decode half of the threaded collector (collector.ts, `decodeThreads: 1`). This thread owns
 * the FlowDecoder (templates, sampling, sequence numbers, per-exporter counters) and the sink.
 *
 * Native mode (the addon in native.ts loaded): this thread also owns the sockets and receives
 * with recvmmsg into one reused buffer, then decodes straight out of it — one thread, no
 * hand-over, no per-datagram JS callback or Buffer from libuv. It blocks in poll() for at most
 * POLL_MS, then yields to its event loop (stop request, sink timers and messages), so stop is
 * prompt. Counter deltas go to the main thread every COUNTS_EVERY_MS.
 *
 * Batch mode (fallback: node:dgram): the main thread receives and packs datagrams into batch
 * buffers (batch.ts layout); each goes back to the main thread's pool once decoded, carrying the
 * counter deltas with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlowDecoder } from './decoder.ts';
import type { FlowDecoderOptions } from './decoder.ts';
import { FlowDecodeError } from './errors.ts';
import type { FlowSink } from './sink.ts';
import { BATCH_HEADER } from './batch.ts';
import type { ToWorker, WorkerError, FromWorker } from './batch.ts';
import { loadFlowIo, flowIoUnavailable, RECORD_HEADER } from './native.ts';

interface WorkerInit {
  decoder: Omit<FlowDecoderOptions, 'now'>;
  sinkModule?: string;
  sinkOptions?: unknown;
  expiryEveryMs: number;
  snapshotEveryMs: number;
  /** Present in native mode: the worker binds these itself. */
  native?: { listen: Array<{ host: string; port: number }>; recvBufferSize: number; forceRecvBuffer: boolean; coalesceMicros: number };
}

/** What a sink running in the decode worker may use besides `flow`/`counters`. */
export interface WorkerSinkContext {
  /** Sends `data` to the main thread (collector hook `onSinkMessage`). */
  post(data: unknown): void;
}

export type WorkerSink = FlowSink & {
  /** Returned to the main thread at stop (`FlowCollector.sinkResult()`). */
  result?(): unknown;
  /** Data the main thread sent with `FlowCollector.postToSink`. */
  message?(data: unknown): void;
  /** Called at stop, after the last datagram, before `result()`: post what is still held. */
  close?(): void;
};

/** A sink module exports `createFlowSink(options, ctx)`. */
export interface WorkerSinkModule {
  createFlowSink(options: unknown, ctx: WorkerSinkContext): WorkerSink;
}

const MAX_ERRORS_PER_BATCH = 16;
const POLL_MS = 50;
const COUNTS_EVERY_MS = 200;
const RECV_BUFFER = 2 * 1024 * 1024;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('collector-worker runs only as a worker thread');
  const init = workerData as WorkerInit;
  const decoder = new FlowDecoder(init.decoder);
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  let sink: WorkerSink = { flow: () => {} };
  let beforeSinkPost: (() => void) | null = null;
  if (init.sinkModule) {
    const mod = (await import(init.sinkModule)) as WorkerSinkModule;
    sink = mod.createFlowSink(init.sinkOptions, {
      post: (data) => {
        // counters first: the main thread never sees sink data ahead of the records behind it
        beforeSinkPost?.();
        post({ type: 'sink', data });
      },
    });
  }
  const addrs: string[] = [];
  const expiry = setInterval(() => decoder.expireTemplates(), init.expiryEveryMs);
  const snap = setInterval(() => post({ type: 'exporters', exporters: decoder.exporters() }), init.snapshotEveryMs);
  let stopping = false;
  let nativeDone: Promise<void> | null = null;

  function finish(): void {
    clearInterval(expiry);
    clearInterval(snap);
    sink.close?.();
    post({ type: 'final', exporters: decoder.exporters(), sinkResult: sink.result?.() });
  }

  port.on('message', (m: ToWorker) => {
    if (m.type === 'batch') {
      for (const a of m.newAddrs) addrs.push(a);
      const view = new DataView(m.buf);
      const bytes = Buffer.from(m.buf);
      let records = 0;
      let decodeErrors = 0;
      let sinkErrors = 0;
      const errors: WorkerError[] = [];
      let off = 0;
      while (off < m.used) {
        const len = view.getUint16(off);
        const addr = addrs[view.getUint32(off + 4)];
        const dg = bytes.subarray(off + BATCH_HEADER, off + BATCH_HEADER + len);
        off += BATCH_HEADER + len;
        try {
          records += decoder.decode(dg, addr, sink);
        } catch (err) {
          const isDecode = err instanceof FlowDecodeError;
          if (isDecode) decodeErrors++;
          else sinkErrors++;
          if (errors.length < MAX_ERRORS_PER_BATCH) {
            errors.push({ code: isDecode ? err.code : null, message: err instanceof Error ? err.message : String(err), source: addr });
          }
        }
      }
      post({ type: 'done', buf: m.buf, records, decodeErrors, sinkErrors, errors, exporters: decoder.exporters() }, [m.buf]);
    } else if (m.type === 'sink') {
      sink.message?.(m.data);
    } else if (m.type === 'stop') {
      stopping = true;
      if (nativeDone) void nativeDone.then(finish);
      else finish();
    }
  });

  if (!init.native) {
    post({ type: 'ready' });
    return;
  }

  // ---- native mode: receive and decode in this thread ------------------------------------------
  const io = loadFlowIo();
  if (!io) {
    post({ type: 'ready', nativeError: flowIoUnavailable() });
    return;
  }
  const fds: number[] = [];
  const bound: Array<{ host: string; port: number }> = [];
  const recvBufferSizes: number[] = [];
  try {
    for (const l of init.native.listen) {
      const [fd, p, granted] = io.open(l.host, l.port, init.native.recvBufferSize, init.native.forceRecvBuffer);
      fds.push(fd);
      bound.push({ host: l.host, port: p });
      recvBufferSizes.push(granted);
    }
  } catch (err) {
    for (const fd of fds) io.close(fd);
    post({ type: 'ready', nativeError: err instanceof Error ? err.message : String(err) });
    return;
  }
  const rx = io.receiver(fds);
  const coalesceUs = init.native.coalesceMicros;
  const buf = Buffer.allocUnsafe(RECV_BUFFER);
  // exporter address text per raw address (IPv4 as a number, IPv6 as 16 latin1 chars): the
  // decoder keys its state by the text, and formatting it per datagram would cost more than decoding
  const names = new Map<number | string, string>();
  const c = { datagrams: 0, records: 0, decodeErrors: 0, sinkErrors: 0 };
  let errors: WorkerError[] = [];
  let lastCounts = performance.now();

  function sendCounts(): void {
    let kernelDrops = 0;
    for (const fd of fds) kernelDrops += io!.drops(fd);
    post({ type: 'counts', ...c, kernelDrops, errors, exporters: c.datagrams > 0 ? decoder.exporters() : undefined });
    c.datagrams = c.records = c.decodeErrors = c.sinkErrors = 0;
    errors = [];
    lastCounts = performance.now();
  }

  function receiveOnce(timeoutMs: number): number {
    const [n, used] = io!.recv(rx, buf, timeoutMs, timeoutMs > 0 ? coalesceUs : 0);
    let off = 0;
    while (off < used) {
      const len = buf[off] | (buf[off + 1] << 8);
      const fam = buf[off + 4];
      const key = fam === 4 ? buf.readUInt32BE(off + 8) : buf.toString('latin1', off + 8, off + 24);
      let addr = names.get(key);
      if (addr === undefined) {
        if (names.size >= 65_536) names.clear();
        addr = io!.ntop(fam, buf, off + 8);
        names.set(key, addr);
      }
      const dg = buf.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len);
      off += RECORD_HEADER + len;
      try {
        c.records += decoder.decode(dg, addr, sink);
      } catch (err) {
        const isDecode = err instanceof FlowDecodeError;
        if (isDecode) c.decodeErrors++;
        else c.sinkErrors++;
        if (errors.length < MAX_ERRORS_PER_BATCH) {
          errors.push({ code: isDecode ? err.code : null, message: err instanceof Error ? err.message : String(err), source: addr });
        }
      }
    }
    c.datagrams += n;
    return n;
  }

  beforeSinkPost = () => {
    if (c.datagrams > 0) sendCounts();
  };
  post({ type: 'ready', native: { bound, recvBufferSizes, fds } });
  nativeDone = (async () => {
    try {
      while (!stopping) {
        receiveOnce(POLL_MS);
        if (performance.now() - lastCounts >= COUNTS_EVERY_MS) sendCounts();
        // one event-loop turn per buffer: the stop message, the sink's timers and messages
        await new Promise<void>((r) => setImmediate(r));
      }
      // stop: take what the kernel already queued, so every datagram received is counted
      // (bounded, in case exporters keep sending)
      for (let i = 0; i < 256 && receiveOnce(0) > 0; i++);
    } finally {
      sendCounts();
      for (const fd of fds) io.close(fd);
    }
  })();
}

await main();
