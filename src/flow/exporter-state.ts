/**
 * What the collector remembers per exporter: template and sampling state per observation domain
 * (IPFIX, RFC 7011 §8) or source id (v9, RFC 3954 §5.1), expected sequence numbers, and counters.
 * Templates expire when not refreshed within `templateTimeoutMs` (RFC 7011 §8.4: over UDP the
 * exporter resends them periodically; a stale template must not decode new data).
 */
import type { CompiledTemplate } from './template.ts';
import type { FlowProtocol } from './record.ts';

/** What a lost count means: v5 and IPFIX number records, v9 export packets, sFlow datagrams. */
export type LostUnit = 'records' | 'datagrams';

export interface ExporterCounters {
  datagrams: number;
  bytes: number;
  /** Flow records emitted (data records, sFlow flow samples). */
  records: number;
  optionsRecords: number;
  counterSamples: number;
  templates: number;
  templateWithdrawals: number;
  templatesExpired: number;
  /** Data sets whose template was unknown (not yet received, withdrawn or expired). */
  templateMisses: number;
  decodeErrors: number;
  /** Gaps in the exporter's sequence numbers, in `lostUnit`. */
  lost: number;
  /** Sequence numbers that went backwards (reordering or exporter restart); not counted as lost. */
  sequenceResets: number;
}

export interface ExporterSnapshot extends ExporterCounters {
  exporter: string;
  protocol: FlowProtocol | null;
  lostUnit: LostUnit;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Sampling interval last learnt per domain (from options data, headers or sample headers). */
  sampling: Array<{ domainId: number; interval: number }>;
  activeTemplates: number;
}

export interface TemplateEntry {
  template: CompiledTemplate;
  seenMs: number;
  /** The template record as received, to recognise an unchanged resend cheaply. */
  raw: Buffer;
}

export class DomainState {
  readonly templates = new Map<number, TemplateEntry>();
  /** Domain-wide sampling interval from options data / headers; 0 = unknown. */
  sampling = 0;
  /** Sampler/selector id → interval (IE 48 / 302 in options data). */
  readonly samplers = new Map<number, number>();
  /** systemInitTimeMilliseconds (IE 160) from options data; -1 = unknown. */
  sysInitMs = -1;
  /** Next expected sequence number; -1 = unknown. */
  expectedSeq = -1;
}

export function emptyCounters(): ExporterCounters {
  return {
    datagrams: 0, bytes: 0, records: 0, optionsRecords: 0, counterSamples: 0, templates: 0,
    templateWithdrawals: 0, templatesExpired: 0, templateMisses: 0, decodeErrors: 0, lost: 0, sequenceResets: 0,
  };
}

export class ExporterState {
  readonly domains = new Map<number, DomainState>();
  readonly counters: ExporterCounters = emptyCounters();
  protocol: FlowProtocol | null = null;
  firstSeenMs = 0;
  lastSeenMs = 0;
  constructor(
    readonly address: string,
    /** Configured interval used when the exporter does not announce one (0 = none). */
    public configuredSampling = 0,
    /** Configured interval that overrides whatever the exporter announces (0 = none). */
    public forcedSampling = 0,
  ) {}

  domain(id: number): DomainState {
    let d = this.domains.get(id);
    if (!d) {
      d = new DomainState();
      this.domains.set(id, d);
    }
    return d;
  }

  /**
   * Sequence check. `seq` is the datagram's sequence number, `advance` how far it moves the
   * counter (records or 1). Gaps below 2^31 count as lost; a backwards jump is a reset.
   */
  checkSequence(d: DomainState, seq: number, advance: number): void {
    if (d.expectedSeq >= 0) {
      const gap = (seq - d.expectedSeq) >>> 0;
      if (gap !== 0) {
        if (gap < 0x80000000) this.counters.lost += gap;
        else this.counters.sequenceResets++;
      }
    }
    d.expectedSeq = advance < 0 ? -1 : (seq + advance) >>> 0;
  }

  snapshot(now: number, templateTimeoutMs: number): ExporterSnapshot {
    let active = 0;
    const sampling: Array<{ domainId: number; interval: number }> = [];
    for (const [id, d] of this.domains) {
      for (const e of d.templates.values()) if (now - e.seenMs <= templateTimeoutMs) active++;
      const interval = this.forcedSampling || d.sampling || this.configuredSampling;
      if (interval) sampling.push({ domainId: id, interval });
    }
    return {
      exporter: this.address,
      protocol: this.protocol,
      lostUnit: this.protocol === 'netflow9' || this.protocol === 'sflow' ? 'datagrams' : 'records',
      ...this.counters,
      firstSeenMs: this.firstSeenMs,
      lastSeenMs: this.lastSeenMs,
      sampling,
      activeTemplates: active,
    };
  }
}
