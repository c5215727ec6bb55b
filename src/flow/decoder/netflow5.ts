/**
 * NetFlow v5 (Cisco's fixed format: a 24-byte header and 48-byte records). The header's flow
 * sequence counts flows, so a gap is a number of lost records; the 16-bit sampling field holds
 * a 2-bit mode and a 14-bit interval.
 */
import { u16, u32 } from '../bytes.ts';
import { FlowDecodeError, truncated } from '../errors.ts';
import type { DecodeContext } from '../sink.ts';
import { normaliseIcmp } from '../record.ts';

export const V5_HEADER = 24;
export const V5_RECORD = 48;

export function decodeNetflow5(buf: Buffer, c: DecodeContext): number {
  if (buf.length < V5_HEADER) throw truncated('NetFlow v5 header', 0);
  const count = u16(buf, 2);
  if (count === 0 || V5_HEADER + count * V5_RECORD > buf.length) {
    throw new FlowDecodeError('FLOW_BAD_LENGTH', `NetFlow v5 count ${count} does not fit ${buf.length} bytes`, 2);
  }
  const sysUptime = u32(buf, 4);
  const base = u32(buf, 8) * 1000 + Math.floor(u32(buf, 12) / 1e6) - sysUptime;
  const seq = u32(buf, 16);
  const domainId = u16(buf, 20); // engine type << 8 | engine id
  const samplingField = u16(buf, 22);
  const { state, rec, sink } = c;
  const d = state.domain(domainId);
  const announced = samplingField & 0x3fff;
  if (announced > 1) d.sampling = announced;
  state.checkSequence(d, seq, count);
  const interval = state.forcedSampling || (announced > 1 ? announced : state.configuredSampling) || 1;
  rec.protocol = 'netflow5';
  rec.exporter = state.address;
  rec.domainId = domainId;
  rec.buf = buf;
  rec.byteLayer = 'l3';
  for (let i = 0, p = V5_HEADER; i < count; i++, p += V5_RECORD) {
    rec.reset();
    rec.offset = p;
    rec.ipVersion = 4;
    rec.srcAddr[0] = buf[p]; rec.srcAddr[1] = buf[p + 1]; rec.srcAddr[2] = buf[p + 2]; rec.srcAddr[3] = buf[p + 3];
    rec.dstAddr[0] = buf[p + 4]; rec.dstAddr[1] = buf[p + 5]; rec.dstAddr[2] = buf[p + 6]; rec.dstAddr[3] = buf[p + 7];
    rec.nextHop[0] = buf[p + 8]; rec.nextHop[1] = buf[p + 9]; rec.nextHop[2] = buf[p + 10]; rec.nextHop[3] = buf[p + 11];
    rec.nextHopVersion = 4;
    rec.inputIf = (buf[p + 12] << 8) | buf[p + 13];
    rec.outputIf = (buf[p + 14] << 8) | buf[p + 15];
    const pk = u32(buf, p + 16);
    const by = u32(buf, p + 20);
    let first = u32(buf, p + 24);
    let last = u32(buf, p + 28);
    // uptime wraps every 49.7 days: a first/last after the header's uptime belongs to the previous lap
    if (first > sysUptime + 0x7fffffff) first -= 4294967296;
    if (last > sysUptime + 0x7fffffff) last -= 4294967296;
    rec.startMs = base + first;
    rec.endMs = base + last;
    rec.srcPort = (buf[p + 32] << 8) | buf[p + 33];
    rec.dstPort = (buf[p + 34] << 8) | buf[p + 35];
    rec.tcpFlags = buf[p + 37];
    rec.ipProtocol = buf[p + 38];
    rec.tos = buf[p + 39];
    rec.srcAs = (buf[p + 40] << 8) | buf[p + 41];
    rec.dstAs = (buf[p + 42] << 8) | buf[p + 43];
    rec.srcMask = buf[p + 44];
    rec.dstMask = buf[p + 45];
    rec.sampledPackets = pk;
    rec.sampledBytes = by;
    rec.samplingInterval = interval;
    rec.packets = pk * interval;
    rec.bytes = by * interval;
    rec.l3Bytes = rec.bytes;
    normaliseIcmp(rec);
    sink.flow(rec);
  }
  state.counters.records += count;
  return count;
}
