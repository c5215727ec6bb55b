/**
 * Batch layout and messages between the threaded collector's receive thread and its decode
 * worker. A batch is one transferable ArrayBuffer of datagrams, each preceded by an 8-byte header:
 * u16 length, u16 exporter UDP port, u32 index into the exporter address table (addresses are sent
 * once, as they first appear, in `newAddrs`). Buffers travel back with the decode results, so
 * steady state allocates nothing. In native mode (native.ts) no batches cross threads: the worker
 * receives with recvmmsg itself and reports counter deltas (`counts`) instead.
 */
import type { ExporterSnapshot } from './exporter-state.ts';
import type { FlowErrorCode } from './errors.ts';

export const BATCH_HEADER = 8;

export type ToWorker =
  | { type: 'batch'; buf: ArrayBuffer; used: number; count: number; newAddrs: string[] }
  /** To the sink's `message()` (e.g. a port-mapping table). */
  | { type: 'sink'; data: unknown }
  | { type: 'stop' };

/** Native mode: the worker owns the sockets (native.ts) and reports what they got. */
export interface NativeReady { bound: Array<{ host: string; port: number }>; recvBufferSizes: number[]; fds: number[] }

export interface WorkerError {
  /** FlowDecodeError code, or null for an exception thrown by the sink. */
  code: FlowErrorCode | null;
  message: string;
  source: string;
}

export type FromWorker =
  | { type: 'ready'; native?: NativeReady; nativeError?: string }
  /** Native mode: counter deltas since the last one; kernelDrops is the sockets' absolute total. */
  | { type: 'counts'; datagrams: number; records: number; decodeErrors: number; sinkErrors: number; kernelDrops: number; errors: WorkerError[]; exporters?: ExporterSnapshot[] }
  /** Whatever the sink posted (metering: bin deltas). */
  | { type: 'sink'; data: unknown }
  /** `exporters` rides along so the main thread never shows records its exporter table lacks. */
  | { type: 'done'; buf: ArrayBuffer; records: number; decodeErrors: number; sinkErrors: number; errors: WorkerError[]; exporters?: ExporterSnapshot[] }
  | { type: 'exporters'; exporters: ExporterSnapshot[] }
  | { type: 'final'; exporters: ExporterSnapshot[]; sinkResult: unknown };
