/**
 * Data sets shared by NetFlow v9 and IPFIX: look up the template, run its compiled reader over the
 * records, then resolve what needs context — timestamps relative to sysUpTime (v9 header; IPFIX
 * systemInitTimeMilliseconds, IE 160), sampling (per record, per sampler/selector id, per domain
 * from options data, configured) — and hand flows to the sink. Options data records update the
 * domain's sampling and time state instead (RFC 3954 §6.1, RFC 7011 §3.4.2.2, RFC 5476 §6.5).
 */
import { FlowDecodeError } from '../errors.ts';
import type { DomainState, ExporterState } from '../exporter-state.ts';
import type { RecordScratch, CompiledTemplate } from '../template.ts';
import type { DecodeContext } from '../sink.ts';
import type { FlowRecord } from '../record.ts';
import { normaliseIcmp } from '../record.ts';

export interface TimeBase {
  /** v9: unixSecs*1000 - sysUptime; IPFIX: -1 (use the domain's systemInitTime). */
  uptimeBase: number;
  /** Export time in ms (IPFIX header / v9 header). */
  exportMs: number;
}

/** Sampling interval announced by one record's fields (0 = none). */
function announcedInterval(s: RecordScratch): number {
  if (s.samplingInterval > 0) return s.samplingInterval;
  if (s.pktInterval > 0) {
    if (s.population > 0) return s.population / s.pktInterval; // RFC 5477 samplingSize/Population
    return (s.pktInterval + s.pktSpace) / s.pktInterval; // RFC 5477 §8.2.2/§8.2.3
  }
  return 0;
}

function applyOptions(s: RecordScratch, d: DomainState): void {
  const interval = announcedInterval(s);
  if (interval > 0) {
    if (s.samplerId >= 0) d.samplers.set(s.samplerId, interval);
    else d.sampling = interval;
  }
  if (s.sysInitMs >= 0) d.sysInitMs = s.sysInitMs;
}

const failures = new Map<number, (offset: number) => Error>();
function failAt(id: number): (offset: number) => Error {
  let f = failures.get(id);
  if (!f) {
    f = (offset) => new FlowDecodeError('FLOW_TRUNCATED', `data record of template ${id} passes its set`, offset);
    if (failures.size < 65536) failures.set(id, f);
  }
  return f;
}

function finishFlow(rec: FlowRecord, s: RecordScratch, d: DomainState, st: ExporterState, tb: TimeBase): void {
  if (rec.ipVersion === 0 && (s.ipVersion === 4 || s.ipVersion === 6)) rec.ipVersion = s.ipVersion;
  let interval = st.forcedSampling;
  if (!interval) {
    interval = announcedInterval(s);
    if (!interval && s.samplerId >= 0) interval = d.samplers.get(s.samplerId) ?? 0;
    if (!interval) interval = d.sampling || st.configuredSampling || 1;
  }
  rec.samplingInterval = interval;
  rec.packets = rec.sampledPackets * interval;
  rec.bytes = rec.sampledBytes * interval;
  rec.l3Bytes = rec.bytes;
  // times: absolute elements win; then uptime-relative; then delta to export time
  let base = tb.uptimeBase;
  if (base < 0) base = s.sysInitMs >= 0 ? s.sysInitMs : d.sysInitMs;
  if (s.startAbs >= 0) rec.startMs = s.startAbs;
  else if (s.startUp >= 0 && base >= 0) rec.startMs = base + s.startUp;
  else if (s.startDeltaUs >= 0) rec.startMs = tb.exportMs - Math.round(s.startDeltaUs / 1000);
  else rec.startMs = tb.exportMs;
  if (s.endAbs >= 0) rec.endMs = s.endAbs;
  else if (s.endUp >= 0 && base >= 0) rec.endMs = base + s.endUp;
  else if (s.endDeltaUs >= 0) rec.endMs = tb.exportMs - Math.round(s.endDeltaUs / 1000);
  else rec.endMs = tb.exportMs;
  if (rec.ipProtocol === 1 || rec.ipProtocol === 58) normaliseIcmp(rec);
}

/**
 * Decodes the data set body [p, end) with template `t`. Returns the number of records read.
 * Trailing bytes shorter than the smallest record are padding (RFC 7011 §3.3.1; RFC 3954 §5.3).
 */
export function decodeDataSet(
  buf: Buffer,
  p: number,
  end: number,
  t: CompiledTemplate,
  d: DomainState,
  domainId: number,
  c: DecodeContext,
  tb: TimeBase,
): number {
  const { rec, scratch, state, sink } = c;
  const read = t.read;
  let n = 0;
  if (t.options) {
    while (end - p >= t.minLength) {
      scratch.reset();
      const q = read(buf, p, end, rec, scratch);
      if (q < 0) throw new FlowDecodeError('FLOW_TRUNCATED', `options record of template ${t.id} passes its set`, p);
      applyOptions(scratch, d);
      p = q;
      n++;
    }
    state.counters.optionsRecords += n;
    return n;
  }
  rec.domainId = domainId;
  rec.buf = buf;
  const count = t.readSet(buf, p, end, rec, scratch, t, finishFlow as never, d, state, tb, sink, failAt(t.id));
  state.counters.records += count;
  return count;
}

/** Looks a template up, expiring it if not refreshed in time. */
export function findTemplate(d: DomainState, id: number, c: DecodeContext): CompiledTemplate | null {
  const e = d.templates.get(id);
  if (!e) return null;
  if (c.now - e.seenMs > c.templateTimeoutMs) {
    d.templates.delete(id);
    c.state.counters.templatesExpired++;
    return null;
  }
  return e.template;
}
