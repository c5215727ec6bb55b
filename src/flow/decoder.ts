/**
 * The stateful front of the codecs: detects the protocol from the version field (NetFlow 5, 9,
 * IPFIX 10 in the first 16 bits; sFlow's 32-bit version 5), keeps per-exporter state (templates,
 * sampling, sequence numbers, counters) and calls the protocol decoder. `decode` counts a bad
 * datagram against its exporter and rethrows the FlowDecodeError; records decoded before the
 * fault have already reached the sink (a datagram is not transactional).
 */
import { FlowDecodeError } from './errors.ts';
import { ExporterState } from './exporter-state.ts';
import type { ExporterSnapshot } from './exporter-state.ts';
import { FlowRecord } from './record.ts';
import type { FlowProtocol } from './record.ts';
import { RecordScratch } from './template.ts';
import type { DecodeContext, FlowSink } from './sink.ts';
import { decodeNetflow5 } from './decoder/netflow5.ts';
import { decodeNetflow9 } from './decoder/netflow9.ts';
import { decodeIpfix } from './decoder/ipfix.ts';
import { decodeSflow, sflowAgent } from './decoder/sflow.ts';

export interface FlowDecoderOptions {
  /** Templates not refreshed within this time are dropped (default 30 min). */
  templateTimeoutMs?: number;
  /** Sampling interval per exporter address, used when the exporter announces none. */
  sampling?: Record<string, number>;
  /** Sampling interval per exporter address that overrides what the exporter announces. */
  forceSampling?: Record<string, number>;
  /** Accept only these protocols (default all). */
  protocols?: FlowProtocol[];
  /** Most exporters tracked; datagrams from further new exporters are counted and dropped. */
  maxExporters?: number;
  now?: () => number;
}

const NOOP_SINK: FlowSink = { flow: () => {} };

/** Which protocol a datagram speaks, from its first bytes; null if none. */
export function detectProtocol(buf: Uint8Array): FlowProtocol | null {
  if (buf.length < 4) return null;
  const v16 = (buf[0] << 8) | buf[1];
  if (v16 === 5) return 'netflow5';
  if (v16 === 9) return 'netflow9';
  if (v16 === 10) return 'ipfix';
  if (v16 === 0 && buf[2] === 0 && buf[3] === 5) return 'sflow';
  return null;
}

export class FlowDecoder {
  readonly templateTimeoutMs: number;
  private readonly exportersByAddr = new Map<string, ExporterState>();
  private readonly rec = new FlowRecord();
  private readonly scratch = new RecordScratch();
  private readonly ctx: DecodeContext;
  private readonly now: () => number;
  /** Datagrams refused before an exporter could be attributed (unknown version, table full). */
  unattributed = 0;

  constructor(private readonly options: FlowDecoderOptions = {}) {
    this.templateTimeoutMs = options.templateTimeoutMs ?? 30 * 60_000;
    this.now = options.now ?? Date.now;
    this.ctx = {
      rec: this.rec, scratch: this.scratch, state: new ExporterState(''), now: 0,
      templateTimeoutMs: this.templateTimeoutMs, sink: NOOP_SINK,
    };
  }

  private exporter(addr: string, now: number): ExporterState | null {
    let s = this.exportersByAddr.get(addr);
    if (!s) {
      if (this.exportersByAddr.size >= (this.options.maxExporters ?? 10_000)) return null;
      s = new ExporterState(addr, this.options.sampling?.[addr] ?? 0, this.options.forceSampling?.[addr] ?? 0);
      s.firstSeenMs = now;
      this.exportersByAddr.set(addr, s);
    }
    return s;
  }

  /**
   * Decodes one datagram received from `source` (the exporter's address). Returns the number of
   * flow records passed to `sink`. Throws only FlowDecodeError.
   */
  decode(buf: Buffer, source: string, sink: FlowSink): number {
    const protocol = detectProtocol(buf);
    if (!protocol || (this.options.protocols && !this.options.protocols.includes(protocol))) {
      this.unattributed++;
      throw new FlowDecodeError('FLOW_BAD_VERSION', `version ${buf.length >= 2 ? (buf[0] << 8) | buf[1] : '?'} from ${source}`, 0);
    }
    const now = this.now();
    let addr = source;
    if (protocol === 'sflow') {
      try {
        addr = sflowAgent(buf);
      } catch (err) {
        this.unattributed++;
        throw err;
      }
    }
    const state = this.exporter(addr, now);
    if (!state) {
      this.unattributed++;
      throw new FlowDecodeError('FLOW_BAD_LENGTH', `exporter table full, ${addr} refused`, 0);
    }
    state.protocol = protocol;
    state.lastSeenMs = now;
    state.counters.datagrams++;
    state.counters.bytes += buf.length;
    const c = this.ctx;
    c.state = state;
    c.now = now;
    c.sink = sink;
    try {
      switch (protocol) {
        case 'netflow5': return decodeNetflow5(buf, c);
        case 'netflow9': return decodeNetflow9(buf, c);
        case 'ipfix': return decodeIpfix(buf, c);
        default: return decodeSflow(buf, c);
      }
    } catch (err) {
      // a sink's own exception passes through uncounted; anything else the decoders raise is a
      // FlowDecodeError (the property tests hold them to that)
      if (err instanceof FlowDecodeError) state.counters.decodeErrors++;
      throw err;
    }
  }

  exporters(): ExporterSnapshot[] {
    const now = this.now();
    return [...this.exportersByAddr.values()].map((s) => s.snapshot(now, this.templateTimeoutMs));
  }

  exporterState(addr: string): ExporterState | undefined {
    return this.exportersByAddr.get(addr);
  }

  /** Drops templates not refreshed in time (the decoder also expires them lazily on use). */
  expireTemplates(): number {
    const now = this.now();
    let n = 0;
    for (const s of this.exportersByAddr.values()) {
      for (const d of s.domains.values()) {
        for (const [id, e] of d.templates) {
          if (now - e.seenMs > this.templateTimeoutMs) {
            d.templates.delete(id);
            s.counters.templatesExpired++;
            n++;
          }
        }
      }
    }
    return n;
  }
}
