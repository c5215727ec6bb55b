/**
 * sFlow version 5 (sflow.org, "sFlow Version 5", 2004): datagrams from an agent carry flow samples
 * (format 1, expanded format 3) and counter samples (2, expanded 4). One FlowRecord per flow
 * sample: the raw header record (1) gives addresses, ports and the frame length; extended switch
 * (1001), router (1002) and gateway (1003) records add VLAN, next hop, masks and AS numbers. Each
 * sample stands for `sampling_rate` packets, so packets and bytes are scaled by it. Bytes are layer
 * 2 including the FCS (frame_length); l3Bytes comes from the IP header's own length.
 * The datagram sequence number counts datagrams per (agent, sub-agent): a gap is lost datagrams.
 */
import { FlowDecodeError, truncated } from '../errors.ts';
import type { DecodeContext, InterfaceCounters } from '../sink.ts';
import { parsePacketHeader } from './packet-header.ts';
import { formatAddress } from '../record.ts';

function u64(buf: Buffer, p: number): number {
  return buf.readUInt32BE(p) * 4294967296 + buf.readUInt32BE(p + 4);
}

/** Reads an sFlow address (type 1 IPv4, 2 IPv6) into `out`; returns [next offset, version]. */
function readAddress(buf: Buffer, p: number, end: number, out: Uint8Array | null): [number, 0 | 4 | 6] {
  if (p + 4 > end) throw truncated('sFlow address', p);
  const type = buf.readUInt32BE(p);
  if (type === 1) {
    if (p + 8 > end) throw truncated('sFlow IPv4 address', p);
    if (out) for (let i = 0; i < 4; i++) out[i] = buf[p + 4 + i];
    return [p + 8, 4];
  }
  if (type === 2) {
    if (p + 20 > end) throw truncated('sFlow IPv6 address', p);
    if (out) for (let i = 0; i < 16; i++) out[i] = buf[p + 4 + i];
    return [p + 20, 6];
  }
  if (type === 0) return [p + 4, 0];
  throw new FlowDecodeError('FLOW_BAD_ADDRESS', `address type ${type}`, p);
}

function formatV4(buf: Buffer, p: number): string {
  return `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`;
}

/** Agent address as text (the exporter identity for sFlow). */
export function sflowAgent(buf: Buffer): string {
  if (buf.length < 12) throw truncated('sFlow datagram header', 0);
  const type = buf.readUInt32BE(4);
  if (type === 1) return formatV4(buf, 8);
  if (type === 2) {
    if (buf.length < 24) throw truncated('sFlow datagram header', 0);
    return formatAddress(buf.subarray(8, 24), 6);
  }
  throw new FlowDecodeError('FLOW_BAD_ADDRESS', `agent address type ${type}`, 4);
}

function flowSample(buf: Buffer, p: number, end: number, expanded: boolean, subAgent: number, c: DecodeContext): void {
  const { rec, state } = c;
  const need = expanded ? 44 : 32;
  if (p + need > end) throw truncated('sFlow flow sample', p);
  let rate: number;
  let input: number;
  let output: number;
  let nrec: number;
  if (expanded) {
    rate = buf.readUInt32BE(p + 12);
    input = buf.readUInt32BE(p + 24) === 0 ? buf.readUInt32BE(p + 28) : 0;
    output = buf.readUInt32BE(p + 32) === 0 ? buf.readUInt32BE(p + 36) : 0;
    nrec = buf.readUInt32BE(p + 40);
    p += 44;
  } else {
    rate = buf.readUInt32BE(p + 8);
    const i = buf.readUInt32BE(p + 20);
    const o = buf.readUInt32BE(p + 24);
    // 0x3fffffff is "unknown interface" (sFlow v5 §5.2, interface format)
    input = i >>> 30 === 0 && i !== 0x3fffffff ? i : 0;
    output = o >>> 30 === 0 && o !== 0x3fffffff ? o : 0;
    nrec = buf.readUInt32BE(p + 28);
    p += 32;
  }
  rec.reset();
  rec.domainId = subAgent;
  rec.inputIf = input;
  rec.outputIf = output;
  let frameLength = 0;
  let l3Len = 0;
  let haveHeader = false;
  for (let r = 0; r < nrec; r++) {
    if (p + 8 > end) throw truncated('sFlow flow record', p);
    const format = buf.readUInt32BE(p);
    const len = buf.readUInt32BE(p + 4);
    const body = p + 8;
    const stop = body + len;
    if (stop > end) throw truncated(`sFlow flow record ${format}`, p);
    if (format === 1) {
      if (len < 16) throw new FlowDecodeError('FLOW_BAD_SAMPLE', `raw header record of ${len} bytes`, p);
      const kind = buf.readUInt32BE(body);
      frameLength = buf.readUInt32BE(body + 4);
      const hlen = buf.readUInt32BE(body + 12);
      if (body + 16 + hlen > stop) throw truncated('sFlow sampled header', body);
      l3Len = parsePacketHeader(buf, body + 16, body + 16 + hlen, kind, rec);
      haveHeader = true;
    } else if (format === 1001 && len >= 16) {
      const vlan = buf.readUInt32BE(body);
      if (vlan) rec.vlan = vlan;
    } else if (format === 1002 && len >= 12) {
      const [q, v] = readAddress(buf, body, stop, rec.nextHop);
      rec.nextHopVersion = v;
      if (q + 8 <= stop) {
        rec.srcMask = buf.readUInt32BE(q);
        rec.dstMask = buf.readUInt32BE(q + 4);
      }
    } else if (format === 1003 && len >= 16) {
      let [q] = readAddress(buf, body, stop, null);
      if (q + 16 <= stop) {
        rec.srcAs = buf.readUInt32BE(q + 4);
        const segments = buf.readUInt32BE(q + 12);
        q += 16;
        for (let s = 0; s < segments && q + 8 <= stop; s++) {
          const count = buf.readUInt32BE(q + 4);
          q += 8;
          if (count > 0 && q + count * 4 <= stop) rec.dstAs = buf.readUInt32BE(q + (count - 1) * 4);
          q += count * 4;
        }
      }
    }
    p = stop;
  }
  if (!haveHeader) return;
  const interval = state.forcedSampling || rate || state.configuredSampling || 1;
  state.domain(subAgent).sampling = rate;
  rec.samplingInterval = interval;
  rec.sampledPackets = 1;
  rec.sampledBytes = frameLength;
  rec.packets = interval;
  rec.bytes = frameLength * interval;
  rec.l3Bytes = l3Len * interval;
  rec.byteLayer = 'l2';
  rec.startMs = c.now;
  rec.endMs = c.now;
  state.counters.records++;
  c.sink.flow(rec);
}

function counterSample(buf: Buffer, p: number, end: number, expanded: boolean, subAgent: number, c: DecodeContext): void {
  const need = expanded ? 16 : 12;
  if (p + need > end) throw truncated('sFlow counter sample', p);
  const sequence = buf.readUInt32BE(p);
  const nrec = buf.readUInt32BE(p + need - 4);
  p += need;
  for (let r = 0; r < nrec; r++) {
    if (p + 8 > end) throw truncated('sFlow counter record', p);
    const format = buf.readUInt32BE(p);
    const len = buf.readUInt32BE(p + 4);
    const body = p + 8;
    if (body + len > end) throw truncated(`sFlow counter record ${format}`, p);
    if (format === 1 && len >= 88) {
      c.state.counters.counterSamples++;
      if (c.sink.counters) {
        const x: InterfaceCounters = {
          exporter: c.state.address, subAgentId: subAgent, sequence,
          ifIndex: buf.readUInt32BE(body), ifType: buf.readUInt32BE(body + 4), ifSpeed: u64(buf, body + 8),
          ifDirection: buf.readUInt32BE(body + 16), ifStatus: buf.readUInt32BE(body + 20),
          ifInOctets: u64(buf, body + 24), ifInUcastPkts: buf.readUInt32BE(body + 32),
          ifInMulticastPkts: buf.readUInt32BE(body + 36), ifInBroadcastPkts: buf.readUInt32BE(body + 40),
          ifInDiscards: buf.readUInt32BE(body + 44), ifInErrors: buf.readUInt32BE(body + 48),
          ifInUnknownProtos: buf.readUInt32BE(body + 52), ifOutOctets: u64(buf, body + 56),
          ifOutUcastPkts: buf.readUInt32BE(body + 64), ifOutMulticastPkts: buf.readUInt32BE(body + 68),
          ifOutBroadcastPkts: buf.readUInt32BE(body + 72), ifOutDiscards: buf.readUInt32BE(body + 76),
          ifOutErrors: buf.readUInt32BE(body + 80), ifPromiscuousMode: buf.readUInt32BE(body + 84),
          receivedMs: c.now,
        };
        c.sink.counters(x);
      }
    }
    p = body + len;
  }
}

export function decodeSflow(buf: Buffer, c: DecodeContext): number {
  if (buf.length < 8) throw truncated('sFlow datagram header', 0);
  if (buf.readUInt32BE(0) !== 5) throw new FlowDecodeError('FLOW_BAD_VERSION', `sFlow version ${buf.readUInt32BE(0)}`, 0);
  let [p] = readAddress(buf, 4, buf.length, null);
  if (p + 16 > buf.length) throw truncated('sFlow datagram header', p);
  const subAgent = buf.readUInt32BE(p);
  const seq = buf.readUInt32BE(p + 4);
  const nsamples = buf.readUInt32BE(p + 12);
  p += 16;
  const { state, rec } = c;
  state.checkSequence(state.domain(subAgent), seq, 1);
  rec.protocol = 'sflow';
  rec.exporter = state.address;
  rec.buf = buf;
  const before = state.counters.records;
  for (let s = 0; s < nsamples; s++) {
    if (p + 8 > buf.length) throw truncated('sFlow sample', p);
    const tag = buf.readUInt32BE(p);
    const len = buf.readUInt32BE(p + 4);
    const body = p + 8;
    if (body + len > buf.length) throw truncated(`sFlow sample ${tag}`, p);
    const enterprise = tag >>> 12;
    const format = tag & 0xfff;
    if (enterprise === 0) {
      if (format === 1 || format === 3) flowSample(buf, body, body + len, format === 3, subAgent, c);
      else if (format === 2 || format === 4) counterSample(buf, body, body + len, format === 4, subAgent, c);
    }
    p = body + len;
  }
  return state.counters.records - before;
}
