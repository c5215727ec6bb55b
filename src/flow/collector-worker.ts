/**
 * The decode half of the threaded collector (collector.ts, `decodeThreads: 1`). The main thread
 * only receives datagrams and packs them into batch buffers (batch.ts layout); this thread owns
 * the FlowDecoder (templates, sampling, sequence numbers, per-exporter counters) and the sink, so
 * receiving and decoding run on two cores and wall-clock cost per datagram is the larger of the
 * two instead of their sum. Each batch buffer goes back to the main thread's pool once decoded,
 * carrying the counter deltas with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlowDecoder } from './decoder.ts';
import type { FlowDecoderOptions } from './decoder.ts';
import { FlowDecodeError } from './errors.ts';
import type { FlowSink } from './sink.ts';
import { BATCH_HEADER } from './batch.ts';
import type { ToWorker, WorkerError, FromWorker } from './batch.ts';

interface WorkerInit {
  decoder: Omit<FlowDecoderOptions, 'now'>;
  sinkModule?: string;
  sinkOptions?: unknown;
  expiryEveryMs: number;
  snapshotEveryMs: number;
}

/** A sink module exports `createFlowSink(options)`; `result()` (optional) is returned at stop. */
export interface WorkerSinkModule {
  createFlowSink(options: unknown): FlowSink & { result?(): unknown };
}

const MAX_ERRORS_PER_BATCH = 16;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('collector-worker runs only as a worker thread');
  const init = workerData as WorkerInit;
  const decoder = new FlowDecoder(init.decoder);
  let sink: FlowSink & { result?(): unknown } = { flow: () => {} };
  if (init.sinkModule) {
    const mod = (await import(init.sinkModule)) as WorkerSinkModule;
    sink = mod.createFlowSink(init.sinkOptions);
  }
  const addrs: string[] = [];
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const expiry = setInterval(() => decoder.expireTemplates(), init.expiryEveryMs);
  const snap = setInterval(() => post({ type: 'exporters', exporters: decoder.exporters() }), init.snapshotEveryMs);

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
      post({ type: 'done', buf: m.buf, records, decodeErrors, sinkErrors, errors }, [m.buf]);
    } else if (m.type === 'stop') {
      clearInterval(expiry);
      clearInterval(snap);
      post({ type: 'final', exporters: decoder.exporters(), sinkResult: sink.result?.() });
    }
  });
  post({ type: 'ready' });
}

await main();
