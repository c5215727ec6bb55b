/**
 * Batch layout and messages between the threaded collector's receive thread and its decode
 * worker. A batch is one transferable ArrayBuffer of datagrams, each preceded by an 8-byte header:
 * u16 length, u16 exporter UDP port, u32 index into the exporter address table (addresses are sent
 * once, as they first appear, in `newAddrs`). Buffers travel back with the decode results, so
 * steady state allocates nothing.
 */
import type { ExporterSnapshot } from './exporter-state.ts';
import type { FlowErrorCode } from './errors.ts';

export const BATCH_HEADER = 8;

export type ToWorker =
  | { type: 'batch'; buf: ArrayBuffer; used: number; count: number; newAddrs: string[] }
  | { type: 'stop' };

export interface WorkerError {
  /** FlowDecodeError code, or null for an exception thrown by the sink. */
  code: FlowErrorCode | null;
  message: string;
  source: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; buf: ArrayBuffer; records: number; decodeErrors: number; sinkErrors: number; errors: WorkerError[] }
  | { type: 'exporters'; exporters: ExporterSnapshot[] }
  | { type: 'final'; exporters: ExporterSnapshot[]; sinkResult: unknown };
