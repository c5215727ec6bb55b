/**
 * NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) encoders, the decoders' counterpart: used by the
 * tests (round trips, malformed corpus) and the benchmark (generated streams). Sets are written in
 * the order given; `pad` adds zero padding after the records of a set (RFC 7011 §3.3.1).
 */
import { writeValue, valueBytes } from './values.ts';
import type { FieldValue } from './values.ts';

export interface FieldSpec {
  id: number;
  length: number;
  enterprise?: number;
}

export interface TemplateSpec {
  id: number;
  fields: FieldSpec[];
  /** Options templates: the first `scopeCount` fields are scope fields. */
  scopeCount?: number;
}

export type SetSpec =
  | { kind: 'templates'; options?: boolean; templates: TemplateSpec[] }
  | { kind: 'withdraw'; options?: boolean; ids: number[] }
  | { kind: 'data'; template: TemplateSpec; records: FieldValue[][]; pad?: number }
  | { kind: 'raw'; setId: number; body: Uint8Array };

export interface IpfixPacketSpec {
  exportTime: number;
  sequence: number;
  domainId: number;
  sets: SetSpec[];
}

export interface V9PacketSpec {
  /** Header record count; default: templates + data records (RFC 3954 §5.1). softflowd counts flows only. */
  count?: number;
  sysUptime: number;
  unixSecs: number;
  sequence: number;
  sourceId: number;
  sets: SetSpec[];
}

class Writer {
  buf = Buffer.alloc(2048);
  p = 0;
  ensure(n: number): void {
    if (this.p + n <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.p + n));
    this.buf.copy(b, 0, 0, this.p);
    this.buf = b;
  }
  u8(v: number): void { this.ensure(1); this.buf[this.p++] = v; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16BE(v, this.p); this.p += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32BE(v >>> 0, this.p); this.p += 4; }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.p); this.p += b.length; }
  value(len: number, v: FieldValue): void { this.ensure(len); writeValue(this.buf, this.p, len, v); this.p += len; }
  done(): Buffer { return Buffer.from(this.buf.subarray(0, this.p)); }
}

function writeSet(w: Writer, s: SetSpec, ipfix: boolean): void {
  const start = w.p;
  let setId: number;
  if (s.kind === 'templates' || s.kind === 'withdraw') setId = ipfix ? (s.options ? 3 : 2) : s.options ? 1 : 0;
  else if (s.kind === 'data') setId = s.template.id;
  else setId = s.setId;
  w.u16(setId);
  w.u16(0);
  if (s.kind === 'templates') {
    for (const t of s.templates) {
      w.u16(t.id);
      if (!ipfix && s.options) {
        const scope = t.fields.slice(0, t.scopeCount ?? 1);
        const opts = t.fields.slice(t.scopeCount ?? 1);
        w.u16(scope.length * 4);
        w.u16(opts.length * 4);
        for (const f of [...scope, ...opts]) { w.u16(f.id); w.u16(f.length); }
        continue;
      }
      w.u16(t.fields.length);
      if (s.options) w.u16(t.scopeCount ?? 1);
      for (const f of t.fields) {
        if (ipfix && f.enterprise) {
          w.u16(f.id | 0x8000);
          w.u16(f.length);
          w.u32(f.enterprise);
        } else {
          w.u16(f.id);
          w.u16(f.length);
        }
      }
    }
  } else if (s.kind === 'withdraw') {
    for (const id of s.ids) { w.u16(id); w.u16(0); }
  } else if (s.kind === 'data') {
    for (const r of s.records) {
      s.template.fields.forEach((f, i) => {
        if (f.length === 0xffff) {
          const b = valueBytes(r[i]);
          if (b.length < 255) w.u8(b.length);
          else { w.u8(255); w.u16(b.length); }
          w.bytes(b);
        } else w.value(f.length, r[i]);
      });
    }
    for (let i = 0; i < (s.pad ?? 0); i++) w.u8(0);
  } else w.bytes(s.body);
  w.buf.writeUInt16BE(w.p - start, start + 2);
}

export function encodeIpfix(m: IpfixPacketSpec): Buffer {
  const w = new Writer();
  w.u16(10);
  w.u16(0);
  w.u32(m.exportTime);
  w.u32(m.sequence);
  w.u32(m.domainId);
  for (const s of m.sets) writeSet(w, s, true);
  w.buf.writeUInt16BE(w.p, 2);
  return w.done();
}

export function encodeNetflow9(m: V9PacketSpec): Buffer {
  const w = new Writer();
  w.u16(9);
  let count = 0;
  for (const s of m.sets) {
    if (s.kind === 'templates') count += s.templates.length;
    else if (s.kind === 'data') count += s.records.length;
  }
  w.u16(m.count ?? count);
  w.u32(m.sysUptime);
  w.u32(m.unixSecs);
  w.u32(m.sequence);
  w.u32(m.sourceId);
  for (const s of m.sets) writeSet(w, s, false);
  return w.done();
}
