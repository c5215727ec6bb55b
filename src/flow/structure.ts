/**
 * The structural view of a datagram: headers, sets, templates and records with each field's raw
 * bytes — the exact input of the encoders. Decoding a datagram to its structure and encoding it
 * again gives back the same bytes (the round-trip tests run this on datagrams captured from
 * softflowd and pmacct), which keeps the encoders honest as test and benchmark generators.
 * Templates are looked up in `known` (filled as template sets are met), like the decoders' state.
 */
import { FlowDecodeError, truncated } from './errors.ts';
import { u16, u32 } from './bytes.ts';
import type { IpfixPacketSpec, SetSpec, TemplateSpec, V9PacketSpec } from './encoder/templated.ts';
import type { V5PacketSpec } from './encoder/netflow5.ts';
import { formatAddress } from './record.ts';

function dataSet(buf: Buffer, p: number, end: number, t: TemplateSpec): SetSpec {
  const records: Uint8Array[][] = [];
  let min = 0;
  for (const f of t.fields) min += f.length === 0xffff ? 1 : f.length;
  while (end - p >= min && min > 0) {
    const r: Uint8Array[] = [];
    for (const f of t.fields) {
      let len = f.length;
      if (len === 0xffff) {
        len = buf[p++];
        if (len === 255) {
          len = u16(buf, p);
          p += 2;
        }
      }
      if (p + len > end) throw truncated(`record of template ${t.id}`, p);
      r.push(buf.subarray(p, p + len));
      p += len;
    }
    records.push(r);
  }
  return { kind: 'data', template: t, records, pad: end - p };
}

export function ipfixStructure(buf: Buffer, known: Map<number, TemplateSpec>): IpfixPacketSpec {
  if (buf.length < 16) throw truncated('IPFIX message header', 0);
  const length = u16(buf, 2);
  const sets: SetSpec[] = [];
  let p = 16;
  while (p + 4 <= length) {
    const setId = u16(buf, p);
    const end = p + u16(buf, p + 2);
    if (end > length || end < p + 4) throw new FlowDecodeError('FLOW_BAD_LENGTH', `set ${setId}`, p);
    if (setId === 2 || setId === 3) {
      const templates: TemplateSpec[] = [];
      let q = p + 4;
      while (end - q >= 4) {
        const id = u16(buf, q);
        const count = u16(buf, q + 2);
        q += 4;
        const scopeCount = setId === 3 ? u16(buf, q) : 0;
        if (setId === 3) q += 2;
        const fields = [];
        for (let i = 0; i < count; i++) {
          const raw = u16(buf, q);
          const f = { id: raw & 0x7fff, length: u16(buf, q + 2), ...(raw & 0x8000 ? { enterprise: u32(buf, q + 4) } : {}) };
          q += raw & 0x8000 ? 8 : 4;
          fields.push(f);
        }
        const t: TemplateSpec = { id, fields, ...(setId === 3 ? { scopeCount } : {}) };
        known.set(id, t);
        templates.push(t);
      }
      sets.push({ kind: 'templates', options: setId === 3, templates });
    } else {
      const t = known.get(setId);
      sets.push(t ? dataSet(buf, p + 4, end, t) : { kind: 'raw', setId, body: buf.subarray(p + 4, end) });
    }
    p = end;
  }
  return { exportTime: u32(buf, 4), sequence: u32(buf, 8), domainId: u32(buf, 12), sets };
}

export function netflow9Structure(buf: Buffer, known: Map<number, TemplateSpec>): V9PacketSpec {
  if (buf.length < 20) throw truncated('NetFlow v9 header', 0);
  const sets: SetSpec[] = [];
  let p = 20;
  while (p + 4 <= buf.length) {
    const setId = u16(buf, p);
    const end = p + u16(buf, p + 2);
    if (end > buf.length || end < p + 4) throw new FlowDecodeError('FLOW_BAD_LENGTH', `flowset ${setId}`, p);
    if (setId === 0 || setId === 1) {
      const templates: TemplateSpec[] = [];
      let q = p + 4;
      while (end - q >= (setId === 0 ? 4 : 6)) {
        const id = u16(buf, q);
        let scopeCount = 0;
        let count: number;
        if (setId === 0) {
          count = u16(buf, q + 2);
          q += 4;
        } else {
          scopeCount = u16(buf, q + 2) / 4;
          count = scopeCount + u16(buf, q + 4) / 4;
          q += 6;
        }
        const fields = [];
        for (let i = 0; i < count; i++, q += 4) fields.push({ id: u16(buf, q), length: u16(buf, q + 2) });
        const t: TemplateSpec = { id, fields, ...(setId === 1 ? { scopeCount } : {}) };
        known.set(id, t);
        templates.push(t);
      }
      sets.push({ kind: 'templates', options: setId === 1, templates });
    } else {
      const t = known.get(setId);
      sets.push(t ? dataSet(buf, p + 4, end, t) : { kind: 'raw', setId, body: buf.subarray(p + 4, end) });
    }
    p = end;
  }
  return { count: u16(buf, 2), sysUptime: u32(buf, 4), unixSecs: u32(buf, 8), sequence: u32(buf, 12), sourceId: u32(buf, 16), sets };
}

export function netflow5Structure(buf: Buffer): V5PacketSpec {
  if (buf.length < 24) throw truncated('NetFlow v5 header', 0);
  const count = u16(buf, 2);
  if (24 + count * 48 > buf.length) throw new FlowDecodeError('FLOW_BAD_LENGTH', `count ${count}`, 2);
  const records = [];
  for (let i = 0, p = 24; i < count; i++, p += 48) {
    records.push({
      src: formatAddress(buf.subarray(p, p + 4), 4), dst: formatAddress(buf.subarray(p + 4, p + 8), 4),
      nextHop: formatAddress(buf.subarray(p + 8, p + 12), 4), input: u16(buf, p + 12), output: u16(buf, p + 14),
      packets: u32(buf, p + 16), bytes: u32(buf, p + 20), first: u32(buf, p + 24), last: u32(buf, p + 28),
      srcPort: u16(buf, p + 32), dstPort: u16(buf, p + 34), tcpFlags: buf[p + 37], protocol: buf[p + 38], tos: buf[p + 39],
      srcAs: u16(buf, p + 40), dstAs: u16(buf, p + 42), srcMask: buf[p + 44], dstMask: buf[p + 45],
    });
  }
  const sampling = u16(buf, 22);
  return {
    sysUptime: u32(buf, 4), unixSecs: u32(buf, 8), unixNsecs: u32(buf, 12), sequence: u32(buf, 16),
    engineType: buf[20], engineId: buf[21], samplingMode: sampling >> 14, samplingInterval: sampling & 0x3fff, records,
  };
}
