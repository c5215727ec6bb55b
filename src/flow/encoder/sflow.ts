/** sFlow v5 encoder (flow samples with a raw header, plain or expanded; generic counter samples). */
import { addressBytes } from './values.ts';

export interface SflowFlowSampleSpec {
  kind: 'flow';
  expanded?: boolean;
  sequence: number;
  sourceIndex: number;
  rate: number;
  pool?: number;
  drops?: number;
  input: number;
  output: number;
  /** Frame bytes as captured (Ethernet unless headerProtocol says otherwise). */
  header: Uint8Array;
  frameLength: number;
  stripped?: number;
  headerProtocol?: number;
  /** Extended router data (format 1002). */
  nextHop?: string;
  srcMask?: number;
  dstMask?: number;
  /** Extended switch data (format 1001). */
  srcVlan?: number;
}

export interface SflowCounterSampleSpec {
  kind: 'counters';
  sequence: number;
  ifIndex: number;
  ifSpeed: number;
  ifInOctets: number;
  ifOutOctets: number;
  ifInUcastPkts?: number;
  ifOutUcastPkts?: number;
}

export interface SflowDatagramSpec {
  agent: string;
  subAgentId: number;
  sequence: number;
  uptime: number;
  samples: Array<SflowFlowSampleSpec | SflowCounterSampleSpec>;
}

class W {
  parts: Buffer[] = [];
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); this.parts.push(b); }
  u64(v: number): void { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(v)); this.parts.push(b); }
  bytes(x: Uint8Array): void { this.parts.push(Buffer.from(x)); }
  addr(text: string): void {
    const a = addressBytes(text);
    this.u32(a.length === 4 ? 1 : 2);
    this.bytes(a);
  }
  done(): Buffer { return Buffer.concat(this.parts); }
}

function record(w: W, format: number, body: Buffer): void {
  w.u32(format);
  w.u32(body.length);
  w.bytes(body);
}

function flowSample(s: SflowFlowSampleSpec): Buffer {
  const w = new W();
  w.u32(s.sequence);
  if (s.expanded) { w.u32(0); w.u32(s.sourceIndex); } else w.u32(s.sourceIndex);
  w.u32(s.rate);
  w.u32(s.pool ?? 0);
  w.u32(s.drops ?? 0);
  if (s.expanded) { w.u32(0); w.u32(s.input); w.u32(0); w.u32(s.output); } else { w.u32(s.input); w.u32(s.output); }
  const recs: Array<[number, Buffer]> = [];
  const h = new W();
  h.u32(s.headerProtocol ?? 1);
  h.u32(s.frameLength);
  h.u32(s.stripped ?? 4);
  h.u32(s.header.length);
  h.bytes(s.header);
  const pad = (4 - (s.header.length % 4)) % 4;
  if (pad) h.bytes(new Uint8Array(pad));
  recs.push([1, h.done()]);
  if (s.srcVlan !== undefined) {
    const x = new W();
    x.u32(s.srcVlan); x.u32(0); x.u32(s.srcVlan); x.u32(0);
    recs.push([1001, x.done()]);
  }
  if (s.nextHop) {
    const x = new W();
    x.addr(s.nextHop); x.u32(s.srcMask ?? 0); x.u32(s.dstMask ?? 0);
    recs.push([1002, x.done()]);
  }
  w.u32(recs.length);
  for (const [f, b] of recs) record(w, f, b);
  return w.done();
}

function counterSample(s: SflowCounterSampleSpec): Buffer {
  const w = new W();
  w.u32(s.sequence);
  w.u32(s.ifIndex);
  w.u32(1);
  const g = new W();
  g.u32(s.ifIndex); g.u32(6); g.u64(s.ifSpeed); g.u32(1); g.u32(3);
  g.u64(s.ifInOctets); g.u32(s.ifInUcastPkts ?? 0); g.u32(0); g.u32(0); g.u32(0); g.u32(0); g.u32(0);
  g.u64(s.ifOutOctets); g.u32(s.ifOutUcastPkts ?? 0); g.u32(0); g.u32(0); g.u32(0); g.u32(0); g.u32(0);
  record(w, 1, g.done());
  return w.done();
}

export function encodeSflow(d: SflowDatagramSpec): Buffer {
  const w = new W();
  w.u32(5);
  w.addr(d.agent);
  w.u32(d.subAgentId);
  w.u32(d.sequence);
  w.u32(d.uptime);
  w.u32(d.samples.length);
  for (const s of d.samples) {
    const body = s.kind === 'flow' ? flowSample(s) : counterSample(s);
    w.u32(s.kind === 'flow' ? (s.expanded ? 3 : 1) : 2);
    w.u32(body.length);
    w.bytes(body);
  }
  return w.done();
}
