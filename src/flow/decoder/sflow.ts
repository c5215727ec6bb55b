/**
 * sFlow version 5 (sflow.org, "sFlow Version 5", 2004): datagrams from an agent carry flow samples
 * (format 1, expanded format 3) and counter samples (2, expanded 4). One FlowRecord per flow
 * sample: the raw header record (1) gives addresses, ports and the frame length; extended switch
 * (1001), router (1002) and gateway (1003) records add VLAN, next hop, masks and AS numbers. Each
 * sample stands for `sampling_rate` packets, so packets and bytes are scaled by it. Bytes are layer
 * 2 including the FCS (frame_length); l3Bytes comes from the IP header's own length.
 * The datagram sequence number counts datagrams per (agent, sub-agent): a gap is lost datagrams.
 */
import { u32, u64 } from '../bytes.ts';
import { FlowDecodeError, truncated } from '../errors.ts';
import type { DecodeContext, InterfaceCounters } from '../sink.ts';
import { parsePacketHeader } from './packet-header.ts';
import { formatAddress } from '../record.ts';


/** Reads an sFlow address (type 1 IPv4, 2 IPv6) into `out`; returns [next offset, version]. */
function readAddress(buf: Buffer, p: number, end: number, out: Uint8Array | null): [number, 0 | 4 | 6] {
  if (p + 4 > end) throw truncated('sFlow address', p);
  const type = u32(buf, p);
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
  const type = u32(buf, 4);
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
    rate = u32(buf, p + 12);
    input = u32(buf, p + 24) === 0 ? u32(buf, p + 28) : 0;
    output = u32(buf, p + 32) === 0 ? u32(buf, p + 36) : 0;
    nrec = u32(buf, p + 40);
    p += 44;
  } else {
    rate = u32(buf, p + 8);
    const i = u32(buf, p + 20);
    const o = u32(buf, p + 24);
    // 0x3fffffff is "unknown interface" (sFlow v5 §5.2, interface format)
    input = i >>> 30 === 0 && i !== 0x3fffffff ? i : 0;
    output = o >>> 30 === 0 && o !== 0x3fffffff ? o : 0;
    nrec = u32(buf, p + 28);
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
    const format = u32(buf, p);
    const len = u32(buf, p + 4);
    const body = p + 8;
    const stop = body + len;
    if (stop > end) throw truncated(`sFlow flow record ${format}`, p);
    if (format === 1) {
      if (len < 16) throw new FlowDecodeError('FLOW_BAD_SAMPLE', `raw header record of ${len} bytes`, p);
      const kind = u32(buf, body);
      frameLength = u32(buf, body + 4);
      const hlen = u32(buf, body + 12);
      if (body + 16 + hlen > stop) throw truncated('sFlow sampled header', body);
      l3Len = parsePacketHeader(buf, body + 16, body + 16 + hlen, kind, rec);
      haveHeader = true;
    } else if (format === 1001 && len >= 16) {
      const vlan = u32(buf, body);
      if (vlan) rec.vlan = vlan;
    } else if (format === 1002 && len >= 12) {
      const [q, v] = readAddress(buf, body, stop, rec.nextHop);
      rec.nextHopVersion = v;
      if (q + 8 <= stop) {
        rec.srcMask = u32(buf, q);
        rec.dstMask = u32(buf, q + 4);
      }
    } else if (format === 1003 && len >= 16) {
      let [q] = readAddress(buf, body, stop, null);
      if (q + 16 <= stop) {
        rec.srcAs = u32(buf, q + 4);
        const segments = u32(buf, q + 12);
        q += 16;
        for (let s = 0; s < segments && q + 8 <= stop; s++) {
          const count = u32(buf, q + 4);
          q += 8;
          if (count > 0 && q + count * 4 <= stop) rec.dstAs = u32(buf, q + (count - 1) * 4);
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
  const sequence = u32(buf, p);
  const nrec = u32(buf, p + need - 4);
  p += need;
  for (let r = 0; r < nrec; r++) {
    if (p + 8 > end) throw truncated('sFlow counter record', p);
    const format = u32(buf, p);
    const len = u32(buf, p + 4);
    const body = p + 8;
    if (body + len > end) throw truncated(`sFlow counter record ${format}`, p);
    if (format === 1 && len >= 88) {
      c.state.counters.counterSamples++;
      if (c.sink.counters) {
        const x: InterfaceCounters = {
          exporter: c.state.address, subAgentId: subAgent, sequence,
          ifIndex: u32(buf, body), ifType: u32(buf, body + 4), ifSpeed: u64(buf, body + 8),
          ifDirection: u32(buf, body + 16), ifStatus: u32(buf, body + 20),
          ifInOctets: u64(buf, body + 24), ifInUcastPkts: u32(buf, body + 32),
          ifInMulticastPkts: u32(buf, body + 36), ifInBroadcastPkts: u32(buf, body + 40),
          ifInDiscards: u32(buf, body + 44), ifInErrors: u32(buf, body + 48),
          ifInUnknownProtos: u32(buf, body + 52), ifOutOctets: u64(buf, body + 56),
          ifOutUcastPkts: u32(buf, body + 64), ifOutMulticastPkts: u32(buf, body + 68),
          ifOutBroadcastPkts: u32(buf, body + 72), ifOutDiscards: u32(buf, body + 76),
          ifOutErrors: u32(buf, body + 80), ifPromiscuousMode: u32(buf, body + 84),
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
  if (u32(buf, 0) !== 5) throw new FlowDecodeError('FLOW_BAD_VERSION', `sFlow version ${u32(buf, 0)}`, 0);
  let [p] = readAddress(buf, 4, buf.length, null);
  if (p + 16 > buf.length) throw truncated('sFlow datagram header', p);
  const subAgent = u32(buf, p);
  const seq = u32(buf, p + 4);
  const nsamples = u32(buf, p + 12);
  p += 16;
  const { state, rec } = c;
  state.checkSequence(state.domain(subAgent), seq, 1);
  rec.protocol = 'sflow';
  rec.exporter = state.address;
  rec.buf = buf;
  const before = state.counters.records;
  for (let s = 0; s < nsamples; s++) {
    if (p + 8 > buf.length) throw truncated('sFlow sample', p);
    const tag = u32(buf, p);
    const len = u32(buf, p + 4);
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
