/**
 * The optional native receive path (native/flowio.c, built to build/flowio.node by
 * scripts/build-native.mjs on `npm ci`). Loaded lazily and at most once per thread; when the file
 * is missing or does not load (not built, other OS, other Node ABI) `loadFlowIo()` returns null and
 * `flowIoUnavailable()` says why, and the collector uses node:dgram instead (`flow.receive dgram`
 * chooses that without the addon being missing).
 */
import { createRequire } from 'node:module';

export interface FlowIo {
  /** Binds a UDP socket; returns [fd, bound port, granted SO_RCVBUF]. `force` tries SO_RCVBUFFORCE past rmem_max. */
  open(host: string, port: number, rcvbuf: number, force: boolean): [number, number, number];
  close(fd: number): void;
  /** Datagrams the kernel dropped on this socket because its receive buffer was full. */
  drops(fd: number): number;
  receiver(fds: number[]): object;
  /** Waits up to timeoutMs, then fills `buf` with queued datagrams (RECORD_HEADER layout); [datagrams, bytes].
   * `coalesceUs` > 0: when that emptied the sockets with fewer than 32 datagrams, sleeps that long once and takes more. */
  recv(receiver: object, buf: Buffer, timeoutMs: number, coalesceUs?: number): [number, number];
  ntop(family: number, buf: Buffer, offset: number): string;
  /** Benchmark sender: u16le-length-prefixed datagrams to every port, `repeats` times; [datagrams per port, seconds]. */
  blast(host: string, ports: number[], data: Buffer, repeats: number, ratePerSec: number, sndbuf: number): [number, number];
}

/** Per received datagram: u16le length, u16le source port, u8 family, u8 listener, u16 reserved, 16 bytes address. */
export const RECORD_HEADER = 24;

/** The built addon; FLOWIO_PATH overrides it (packaging elsewhere, or a test of the fallback).
 * Not a BANDEX_* name: those are configuration and unknown ones are refused. */
export const FLOW_IO_PATH = process.env.FLOWIO_PATH || new URL('../../build/flowio.node', import.meta.url).pathname;

let loaded: FlowIo | null | undefined;
let why = '';

export function loadFlowIo(): FlowIo | null {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)(FLOW_IO_PATH) as FlowIo;
  } catch (err) {
    why = `${FLOW_IO_PATH} did not load (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); run npm run build:native`;
    loaded = null;
  }
  return loaded;
}

/** Why the native path is not available ('' when it is, or before the first load attempt). */
export function flowIoUnavailable(): string {
  loadFlowIo();
  return why;
}
