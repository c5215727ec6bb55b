/**
 * UDP collector: one or more listeners (each auto-detecting the protocol from the version field),
 * a large socket receive buffer so bursts are queued by the kernel rather than dropped, and one
 * FlowDecoder holding per-exporter state. A bad datagram is counted and dropped; a throwing sink
 * is counted too; the collector keeps running.
 */
import dgram from 'node:dgram';
import { FlowDecoder } from './decoder.ts';
import type { FlowDecoderOptions } from './decoder.ts';
import type { FlowSink } from './sink.ts';
import type { ExporterSnapshot } from './exporter-state.ts';
import { FlowDecodeError } from './errors.ts';

export interface FlowListen {
  host: string;
  /** 0 picks an ephemeral port (see `addresses()` after start). */
  port: number;
}

export interface FlowCollectorConfig extends FlowDecoderOptions {
  listen: FlowListen[];
  /** SO_RCVBUF in bytes (the kernel may cap it at net.core.rmem_max). Default 8 MiB. */
  recvBufferSize?: number;
}

export interface FlowCollectorStats {
  datagrams: number;
  records: number;
  decodeErrors: number;
  sinkErrors: number;
  /** Kernel receive buffer actually granted, per listener. */
  recvBufferSizes: number[];
}

export interface FlowCollectorHooks {
  /** Called for each dropped datagram with the reason (for logs/metrics). */
  onError?(err: unknown, source: string): void;
}

export interface FlowCollector {
  start(): Promise<FlowListen[]>;
  stop(): Promise<void>;
  addresses(): FlowListen[];
  exporters(): ExporterSnapshot[];
  stats(): FlowCollectorStats;
  readonly decoder: FlowDecoder;
}

export function createFlowCollector(config: FlowCollectorConfig, sink: FlowSink, hooks: FlowCollectorHooks = {}): FlowCollector {
  const decoder = new FlowDecoder(config);
  const sockets: dgram.Socket[] = [];
  const stats: FlowCollectorStats = { datagrams: 0, records: 0, decodeErrors: 0, sinkErrors: 0, recvBufferSizes: [] };
  let bound: FlowListen[] = [];
  let expiry: NodeJS.Timeout | null = null;

  function onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    stats.datagrams++;
    try {
      stats.records += decoder.decode(msg, rinfo.address, sink);
    } catch (err) {
      if (err instanceof FlowDecodeError) stats.decodeErrors++;
      else stats.sinkErrors++;
      hooks.onError?.(err, rinfo.address);
    }
  }

  async function listenOne(l: FlowListen): Promise<FlowListen> {
    const type = l.host.includes(':') ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, recvBufferSize: config.recvBufferSize ?? 8 * 1024 * 1024 });
    sock.on('message', onMessage);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(l.port, l.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', (err) => hooks.onError?.(err, l.host));
    sockets.push(sock);
    stats.recvBufferSizes.push(sock.getRecvBufferSize());
    const a = sock.address();
    return { host: a.address, port: a.port };
  }

  return {
    decoder,
    async start() {
      bound = [];
      for (const l of config.listen) bound.push(await listenOne(l));
      const every = Math.max(1000, Math.min(60_000, decoder.templateTimeoutMs / 4));
      expiry = setInterval(() => decoder.expireTemplates(), every);
      expiry.unref();
      return bound;
    },
    async stop() {
      if (expiry) clearInterval(expiry);
      expiry = null;
      await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
    addresses: () => bound,
    exporters: () => decoder.exporters(),
    stats: () => ({ ...stats, recvBufferSizes: [...stats.recvBufferSizes] }),
  };
}
