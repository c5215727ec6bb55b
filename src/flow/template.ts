/**
 * Template compilation. A v9/IPFIX template (RFC 3954 §5.2, RFC 7011 §3.4.1) is turned once into a
 * generated reader: straight-line code with constant offsets for fixed-length templates, or a
 * cursor with inline length prefixes (RFC 7011 §7) when variable-length fields are present. The
 * reader writes into the reused FlowRecord / RecordScratch, so decoding a record allocates nothing.
 * Readers are cached by field layout, so a template resent every few seconds is not recompiled.
 */
import { ELEMENTS, VARIABLE_LENGTH } from './elements.ts';
import { FlowDecodeError } from './errors.ts';
import type { FlowRecord } from './record.ts';

export interface TemplateField {
  id: number;
  /** 0 for IANA elements; the Private Enterprise Number otherwise (RFC 7011 §3.2). */
  enterprise: number;
  /** Bytes, or 65535 for variable length. */
  length: number;
}

/** Per-record values that need context (uptime base, sampler tables) before they become FlowRecord fields. */
export class RecordScratch {
  startUp = -1;
  endUp = -1;
  startAbs = -1;
  endAbs = -1;
  startDeltaUs = -1;
  endDeltaUs = -1;
  sysInitMs = -1;
  samplingInterval = 0;
  samplingAlgorithm = 0;
  samplerId = -1;
  pktInterval = 0;
  pktSpace = 0;
  population = 0;
  ipVersion = 0;
  reset(): void {
    this.startUp = -1;
    this.endUp = -1;
    this.startAbs = -1;
    this.endAbs = -1;
    this.startDeltaUs = -1;
    this.endDeltaUs = -1;
    this.sysInitMs = -1;
    this.samplingInterval = 0;
    this.samplingAlgorithm = 0;
    this.samplerId = -1;
    this.pktInterval = 0;
    this.pktSpace = 0;
    this.population = 0;
    this.ipVersion = 0;
  }
}

/** Reads one record at `p`; returns the offset after it, or -1 if it would pass `end`. */
export type RecordReader = (buf: Buffer, p: number, end: number, rec: FlowRecord, ctx: RecordScratch) => number;

export interface CompiledTemplate {
  id: number;
  fields: readonly TemplateField[];
  /** Scope field count (options templates), 0 for data templates. */
  scopeCount: number;
  options: boolean;
  /** Record length when every field is fixed, else -1. */
  fixedLength: number;
  /** Smallest possible record (variable fields count 1 byte). */
  minLength: number;
  read: RecordReader;
  readSet: SetReader;
}

function readUintSlow(buf: Buffer, p: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[p + i];
  return v;
}

function uintExpr(at: string, len: number): string | null {
  switch (len) {
    case 1: return `buf[${at}]`;
    case 2: return `((buf[${at}] << 8) | buf[${at} + 1])`;
    case 3: return `((buf[${at}] << 16) | (buf[${at} + 1] << 8) | buf[${at} + 2])`;
    case 4: return `(buf[${at}] * 16777216 + ((buf[${at} + 1] << 16) | (buf[${at} + 2] << 8) | buf[${at} + 3]))`;
    case 8:
      return `((buf[${at}] * 16777216 + ((buf[${at} + 1] << 16) | (buf[${at} + 2] << 8) | buf[${at} + 3])) * 4294967296 + ` +
        `buf[${at} + 4] * 16777216 + ((buf[${at} + 5] << 16) | (buf[${at} + 6] << 8) | buf[${at} + 7]))`;
    default: return len > 0 && len <= 8 ? `readUint(buf, ${at}, ${len})` : null;
  }
}

/** Code that applies a fixed-length field at offset expression `at`, or '' if not interpreted. */
function fieldCode(f: TemplateField, at: string): string {
  if (f.enterprise !== 0) return '';
  const e = ELEMENTS.get(f.id);
  if (!e || e.codec === 'none') return '';
  const t = e.target;
  switch (e.codec) {
    case 'u': {
      const x = uintExpr(at, f.length);
      return x ? `${t} = ${x};` : '';
    }
    case 'ipv4':
    case 'ipv6': {
      const n = e.codec === 'ipv4' ? 4 : 16;
      if (f.length !== n) return '';
      const ver = t === 'rec.nextHop' ? 'rec.nextHopVersion' : 'rec.ipVersion';
      let s = '';
      for (let i = 0; i < n; i++) s += `${t}[${i}] = buf[${at} + ${i}];`;
      return `${s} ${ver} = ${n === 4 ? 4 : 6};`;
    }
    case 'mac':
      // inline 48-bit read: Buffer.readUIntBE is a call per record (a twentieth of serve's path)
      return f.length === 6
        ? `${t} = ((buf[${at}] << 8) | buf[${at} + 1]) * 4294967296 + buf[${at} + 2] * 16777216 + ((buf[${at} + 3] << 16) | (buf[${at} + 4] << 8) | buf[${at} + 5]);`
        : '';
    case 'sec': {
      const x = uintExpr(at, f.length);
      return x ? `${t} = ${x} * 1000;` : '';
    }
    case 'ms': {
      const x = uintExpr(at, f.length);
      return x ? `${t} = ${x};` : '';
    }
    case 'ntp':
      // NTP era-0 seconds since 1900 and a 2^-32 fraction (RFC 7011 §6.1.9)
      return f.length === 8
        ? `${t} = Math.round((buf.readUInt32BE(${at}) - 2208988800) * 1000 + buf.readUInt32BE(${at} + 4) / 4294967.296);`
        : '';
  }
  return '';
}

/** Code for a variable-length field whose length is in `len` at runtime: only unsigned values are read. */
function varFieldCode(f: TemplateField): string {
  if (f.enterprise !== 0) return '';
  const e = ELEMENTS.get(f.id);
  if (!e || (e.codec !== 'u' && e.codec !== 'ms')) return '';
  return `if (len >= 1 && len <= 8) ${e.target} = readUint(buf, q, len);`;
}

/**
 * Reads every data record of a set from `p` to `end`, finishing and handing each to the sink;
 * returns the count. `fail(offset)` builds the error thrown for a record passing the set's end.
 */
export type SetReader = (
  buf: Buffer, p: number, end: number, rec: FlowRecord, ctx: RecordScratch, t: CompiledTemplate,
  finish: (rec: FlowRecord, ctx: RecordScratch, d: unknown, st: unknown, tb: unknown) => void,
  d: unknown, st: unknown, tb: unknown, sink: { flow(rec: FlowRecord): void }, fail: (offset: number) => Error,
) => number;

interface Generated { read: RecordReader; readSet: SetReader; fixedLength: number; minLength: number }

const cache = new Map<string, Generated>();
const CACHE_LIMIT = 4096;

function signature(fields: readonly TemplateField[]): string {
  let s = '';
  for (const f of fields) s += `${f.enterprise}.${f.id}.${f.length},`;
  return s;
}

/** FlowRecord.reset()'s fields and values (the record fields a data record may leave unset). */
const RECORD_DEFAULTS: ReadonlyArray<[string, string]> = [
  ['ipVersion', '0'], ['nextHopVersion', '0'], ['srcPort', '0'], ['dstPort', '0'], ['ipProtocol', '0'], ['tos', '0'],
  ['tcpFlags', '0'], ['icmpTypeCode', '0'], ['inputIf', '0'], ['outputIf', '0'], ['srcAs', '0'], ['dstAs', '0'],
  ['srcMask', '0'], ['dstMask', '0'], ['srcMac', '0'], ['dstMac', '0'], ['vlan', '0'], ['direction', '-1'],
  ['sampledPackets', '0'], ['sampledBytes', '0'],
];

/**
 * The per-record reset of a fixed-length template's set loop: only the fields its reader does not
 * write on every record (those it writes are overwritten before `finish` reads them). Fields that
 * `finish` always writes (counts, sampling, times; data-set.ts finishFlow) and `template` are not
 * in RECORD_DEFAULTS. Null for variable-length templates, whose fields are read conditionally.
 */
function recordReset(fields: readonly TemplateField[]): string | null {
  if (fields.some((f) => f.length === VARIABLE_LENGTH)) return null;
  const written = new Set<string>();
  for (const f of fields) {
    if (!fieldCode(f, 'p')) continue;
    const t = ELEMENTS.get(f.id)!.target;
    if (t === 'rec.srcAddr' || t === 'rec.dstAddr') written.add('rec.ipVersion');
    else if (t === 'rec.nextHop') written.add('rec.nextHopVersion');
    else written.add(t);
  }
  return RECORD_DEFAULTS.filter(([k]) => !written.has(`rec.${k}`)).map(([k, v]) => `rec.${k} = ${v};`).join(' ');
}

function generate(fields: readonly TemplateField[]): Generated {
  const variable = fields.some((f) => f.length === VARIABLE_LENGTH);
  let minLength = 0;
  for (const f of fields) minLength += f.length === VARIABLE_LENGTH ? 1 : f.length;
  let body: string;
  let fixedLength = -1;
  if (!variable) {
    fixedLength = minLength;
    let off = 0;
    body = `if (p + ${fixedLength} > end) return -1;\n`;
    for (const f of fields) {
      const c = fieldCode(f, `p + ${off}`);
      if (c) body += c + '\n';
      off += f.length;
    }
    body += `return p + ${fixedLength};`;
  } else {
    body = 'let q = p; let len = 0;\n';
    for (const f of fields) {
      if (f.length === VARIABLE_LENGTH) {
        body += 'if (q >= end) return -1; len = buf[q++];\n';
        body += 'if (len === 255) { if (q + 2 > end) return -1; len = (buf[q] << 8) | buf[q + 1]; q += 2; }\n';
        body += 'if (q + len > end) return -1;\n';
        const c = varFieldCode(f);
        if (c) body += c + '\n';
        body += 'q += len;\n';
      } else {
        body += `if (q + ${f.length} > end) return -1;\n`;
        const c = fieldCode(f, 'q');
        if (c) body += c + '\n';
        body += `q += ${f.length};\n`;
      }
    }
    body += 'return q;';
  }
  const factory = new Function('readUint', `return function read(buf, p, end, rec, ctx) {\n${body}\n};`) as (
    r: typeof readUintSlow,
  ) => RecordReader;
  // The data-set loop with the record body inlined: reset, read, finish and hand over in one
  // function, so V8 compiles a template's whole set into one straight loop.
  const lastReturn = body.lastIndexOf('return ');
  const loopBody = body.slice(0, lastReturn).replaceAll('return -1;', 'throw fail(p);') +
    body.slice(lastReturn).replace(/^return (.*);$/, 'next = $1;');
  // a fixed-length template writes the same fields on every record: the full resets run once per
  // set and each record resets only what the template leaves alone (RecordScratch fields are read
  // by nothing but finish, after the record's own fields are written)
  const partial = recordReset(fields);
  const loopFactory = new Function(
    'readUint',
    `return function readSet(buf, p, end, rec, ctx, t, finish, d, st, tb, sink, fail) {
  let n = 0;
  let next = 0;
  ${partial === null ? '' : 'rec.reset(); ctx.reset();'}
  while (end - p >= ${minLength}) {
    ${partial === null ? 'rec.reset(); ctx.reset();' : partial}
    rec.template = t;
    rec.offset = p;
${loopBody}
    finish(rec, ctx, d, st, tb);
    sink.flow(rec);
    p = next;
    n++;
  }
  return n;
};`,
  ) as (r: typeof readUintSlow) => SetReader;
  return { read: factory(readUintSlow), readSet: loopFactory(readUintSlow), fixedLength, minLength };
}

export function compileTemplate(
  id: number,
  fields: readonly TemplateField[],
  scopeCount: number,
  options: boolean,
): CompiledTemplate {
  let minLength = 0;
  for (const f of fields) minLength += f.length === VARIABLE_LENGTH ? 1 : f.length;
  if (minLength === 0) {
    throw new FlowDecodeError('FLOW_BAD_TEMPLATE', `template ${id} describes zero-length records`);
  }
  const sig = signature(fields);
  let r = cache.get(sig);
  if (!r) {
    r = generate(fields);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(sig, r);
  }
  return { id, fields, scopeCount, options, fixedLength: r.fixedLength, minLength: r.minLength, read: r.read, readSet: r.readSet };
}

/** Same layout (ids, enterprises, lengths, scope)? A resent template keeps its compiled reader. */
export function sameLayout(a: CompiledTemplate, fields: readonly TemplateField[], scopeCount: number): boolean {
  if (a.scopeCount !== scopeCount || a.fields.length !== fields.length) return false;
  for (let i = 0; i < fields.length; i++) {
    const x = a.fields[i];
    const y = fields[i];
    if (x.id !== y.id || x.enterprise !== y.enterprise || x.length !== y.length) return false;
  }
  return true;
}

/**
 * The raw bytes of one element of the current record (first occurrence), e.g. an enterprise
 * element the table does not know: kept opaque, readable on demand. Null when absent.
 */
export function readOpaque(rec: FlowRecord, enterprise: number, id: number): Uint8Array | null {
  const t = rec.template;
  if (!t) return null;
  const buf = rec.buf;
  let q = rec.offset;
  for (const f of t.fields) {
    let len = f.length;
    if (len === VARIABLE_LENGTH) {
      len = buf[q++];
      if (len === 255) {
        len = (buf[q] << 8) | buf[q + 1];
        q += 2;
      }
    }
    if (f.id === id && f.enterprise === enterprise) return buf.subarray(q, q + len);
    q += len;
  }
  return null;
}
