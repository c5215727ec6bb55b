/**
 * IPFIX (RFC 7011): a 16-byte message header, then sets — 2 templates, 3 options templates, 256+
 * data; 4..255 are reserved (§3.3.2). Field specifiers may carry an enterprise number (§3.2) and
 * a length of 65535 for variable-length fields (§7). A template record with no fields withdraws
 * it (§8.1). The sequence number counts data records sent before this message in the domain
 * (§3.1), so a gap is a number of lost records; when a set cannot be decoded (template miss) the
 * count is unknown and the next message re-synchronises.
 */
import { u16, u32 } from '../bytes.ts';
import { FlowDecodeError, truncated } from '../errors.ts';
import type { TemplateField } from '../template.ts';
import type { DecodeContext } from '../sink.ts';
import { decodeDataSet, findTemplate } from './data-set.ts';
import type { TimeBase } from './data-set.ts';
import { installTemplate, refreshIfSame, withdrawTemplate } from './template-sets.ts';

export const IPFIX_HEADER = 16;

function readFields(buf: Buffer, q: number, end: number, count: number, id: number, out: TemplateField[]): number {
  for (let i = 0; i < count; i++) {
    if (q + 4 > end) throw truncated(`template ${id} field ${i}`, q);
    const raw = u16(buf, q);
    const length = u16(buf, q + 2);
    q += 4;
    let enterprise = 0;
    if (raw & 0x8000) {
      if (q + 4 > end) throw truncated(`template ${id} enterprise number`, q);
      enterprise = u32(buf, q);
      q += 4;
    }
    out.push({ id: raw & 0x7fff, enterprise, length });
  }
  return q;
}

/** End of a template record's field list, or -1 if it does not fit (the slow path reports why). */
function templateEnd(buf: Buffer, q: number, end: number, count: number): number {
  for (let i = 0; i < count; i++) {
    if (q + 4 > end) return -1;
    q += buf[q] & 0x80 ? 8 : 4;
  }
  return q <= end ? q : -1;
}

export function decodeIpfix(buf: Buffer, c: DecodeContext): number {
  if (buf.length < IPFIX_HEADER) throw truncated('IPFIX message header', 0);
  const length = u16(buf, 2);
  if (length < IPFIX_HEADER || length > buf.length) {
    throw new FlowDecodeError('FLOW_BAD_LENGTH', `message length ${length} vs ${buf.length} bytes received`, 2);
  }
  const exportSecs = u32(buf, 4);
  const seq = u32(buf, 8);
  const domainId = u32(buf, 12);
  const { state } = c;
  const d = state.domain(domainId);
  const tb: TimeBase = { uptimeBase: -1, exportMs: exportSecs * 1000 };
  c.rec.protocol = 'ipfix';
  c.rec.exporter = state.address;
  c.rec.byteLayer = 'l3';
  let records = 0;
  let dataRecords = 0;
  let complete = true;
  let p = IPFIX_HEADER;
  while (p + 4 <= length) {
    const setId = u16(buf, p);
    const len = u16(buf, p + 2);
    if (len < 4) throw new FlowDecodeError('FLOW_BAD_LENGTH', `set length ${len} is below 4`, p + 2);
    const end = p + len;
    if (end > length) throw truncated(`set ${setId}`, p);
    if (setId === 2 || setId === 3) {
      const options = setId === 3;
      let q = p + 4;
      while (end - q >= 4) {
        const id = u16(buf, q);
        const count = u16(buf, q + 2);
        q += 4;
        if (count === 0) {
          if (id < 256 && id !== setId) throw new FlowDecodeError('FLOW_BAD_TEMPLATE', `withdrawal of template ${id}`, q - 4);
          withdrawTemplate(d, id, setId, c);
          continue;
        }
        if (id < 256) throw new FlowDecodeError('FLOW_BAD_TEMPLATE', `template id ${id} is below 256`, q - 4);
        const start = q - 4;
        const stop = templateEnd(buf, q + (options ? 2 : 0), end, count);
        if (stop > 0 && refreshIfSame(d, id, options, buf, start, stop, c)) {
          q = stop;
          continue;
        }
        let scope = 0;
        if (options) {
          if (q + 2 > end) throw truncated(`options template ${id}`, q);
          scope = u16(buf, q);
          q += 2;
          if (scope === 0 || scope > count) {
            throw new FlowDecodeError('FLOW_BAD_TEMPLATE', `options template ${id}: scope count ${scope} of ${count}`, q - 2);
          }
        }
        const fields: TemplateField[] = [];
        q = readFields(buf, q, end, count, id, fields);
        installTemplate(d, id, fields, scope, options, c, buf.subarray(start, q));
      }
    } else if (setId >= 256) {
      const t = findTemplate(d, setId, c);
      if (!t) {
        state.counters.templateMisses++;
        complete = false;
      } else {
        const n = decodeDataSet(buf, p + 4, end, t, d, domainId, c, tb);
        dataRecords += n;
        if (!t.options) records += n;
      }
    } else {
      throw new FlowDecodeError('FLOW_BAD_SET_ID', `set id ${setId} is reserved`, p);
    }
    p = end;
  }
  state.checkSequence(d, seq, complete ? dataRecords : -1);
  return records;
}
