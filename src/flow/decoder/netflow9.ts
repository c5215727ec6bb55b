/**
 * NetFlow v9 (RFC 3954): a 20-byte header, then flowsets — 0 templates, 1 options templates,
 * 256+ data. The header's sequence number counts export packets per source id (§5.1), so a gap is
 * a number of lost datagrams. Options template scope fields (§6.1: system, interface, line card,
 * cache, template) are not information elements: they are kept opaque. Flowsets need not be
 * 4-byte aligned in practice (softflowd sends a 29-byte options flowset), so nothing assumes it.
 */
import { u16, u32 } from '../bytes.ts';
import { FlowDecodeError, truncated } from '../errors.ts';
import type { TemplateField } from '../template.ts';
import type { DecodeContext } from '../sink.ts';
import { decodeDataSet, findTemplate } from './data-set.ts';
import type { TimeBase } from './data-set.ts';
import { installTemplate, refreshIfSame } from './template-sets.ts';

export const V9_HEADER = 20;
/** Marks v9 scope fields so the reader does not take scope type 1 for octetDeltaCount. */
const V9_SCOPE = 0xffffffff;

export function decodeNetflow9(buf: Buffer, c: DecodeContext): number {
  if (buf.length < V9_HEADER) throw truncated('NetFlow v9 header', 0);
  const sysUptime = u32(buf, 4);
  const unixSecs = u32(buf, 8);
  const seq = u32(buf, 12);
  const sourceId = u32(buf, 16);
  const { state } = c;
  const d = state.domain(sourceId);
  state.checkSequence(d, seq, 1);
  const tb: TimeBase = { uptimeBase: unixSecs * 1000 - sysUptime, exportMs: unixSecs * 1000 };
  c.rec.protocol = 'netflow9';
  c.rec.exporter = state.address;
  c.rec.byteLayer = 'l3';
  let records = 0;
  let p = V9_HEADER;
  while (p + 4 <= buf.length) {
    const setId = u16(buf, p);
    const len = u16(buf, p + 2);
    if (len < 4) throw new FlowDecodeError('FLOW_BAD_LENGTH', `flowset length ${len} is below 4`, p + 2);
    const end = p + len;
    if (end > buf.length) throw truncated(`flowset ${setId}`, p);
    if (setId === 0) {
      let q = p + 4;
      while (end - q >= 4) {
        const id = u16(buf, q);
        const count = u16(buf, q + 2);
        q += 4;
        if (id < 256 || count === 0) throw new FlowDecodeError('FLOW_BAD_TEMPLATE', `template ${id} with ${count} fields`, q - 4);
        if (q + count * 4 > end) throw truncated(`template ${id}`, q);
        if (refreshIfSame(d, id, false, buf, q - 4, q + count * 4, c)) {
          q += count * 4;
          continue;
        }
        const start = q - 4;
        const fields: TemplateField[] = [];
        for (let i = 0; i < count; i++, q += 4) {
          fields.push({ id: u16(buf, q), enterprise: 0, length: u16(buf, q + 2) });
        }
        installTemplate(d, id, fields, 0, false, c, buf.subarray(start, q));
      }
    } else if (setId === 1) {
      let q = p + 4;
      while (end - q >= 6) {
        const id = u16(buf, q);
        const scopeLen = u16(buf, q + 2);
        const optLen = u16(buf, q + 4);
        q += 6;
        if (id < 256 || scopeLen % 4 || optLen % 4 || scopeLen + optLen === 0) {
          throw new FlowDecodeError('FLOW_BAD_TEMPLATE', `options template ${id}: scope ${scopeLen}, options ${optLen} bytes`, q - 6);
        }
        if (q + scopeLen + optLen > end) throw truncated(`options template ${id}`, q);
        if (refreshIfSame(d, id, true, buf, q - 6, q + scopeLen + optLen, c)) {
          q += scopeLen + optLen;
          continue;
        }
        const start = q - 6;
        const fields: TemplateField[] = [];
        for (let i = 0; i < scopeLen; i += 4, q += 4) {
          fields.push({ id: u16(buf, q), enterprise: V9_SCOPE, length: u16(buf, q + 2) });
        }
        for (let i = 0; i < optLen; i += 4, q += 4) {
          fields.push({ id: u16(buf, q), enterprise: 0, length: u16(buf, q + 2) });
        }
        installTemplate(d, id, fields, scopeLen / 4, true, c, buf.subarray(start, q));
      }
    } else if (setId >= 256) {
      const t = findTemplate(d, setId, c);
      if (!t) state.counters.templateMisses++;
      else {
        const n = decodeDataSet(buf, p + 4, end, t, d, sourceId, c, tb);
        if (!t.options) records += n;
      }
    }
    // 2..255 are reserved in v9 (§5.3): skipped
    p = end;
  }
  return records;
}
