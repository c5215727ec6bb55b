/** NetFlow v5 encoder (24-byte header, 48-byte records), the counterpart of decoder/netflow5.ts. */
import { addressBytes } from './values.ts';

export interface V5RecordSpec {
  src: string; dst: string; nextHop?: string; input?: number; output?: number;
  packets: number; bytes: number; first: number; last: number;
  srcPort?: number; dstPort?: number; tcpFlags?: number; protocol: number; tos?: number;
  srcAs?: number; dstAs?: number; srcMask?: number; dstMask?: number;
}

export interface V5PacketSpec {
  sysUptime: number; unixSecs: number; unixNsecs?: number; sequence: number;
  engineType?: number; engineId?: number; samplingMode?: number; samplingInterval?: number;
  records: V5RecordSpec[];
}

export function encodeNetflow5(m: V5PacketSpec): Buffer {
  const b = Buffer.alloc(24 + 48 * m.records.length);
  b.writeUInt16BE(5, 0);
  b.writeUInt16BE(m.records.length, 2);
  b.writeUInt32BE(m.sysUptime >>> 0, 4);
  b.writeUInt32BE(m.unixSecs >>> 0, 8);
  b.writeUInt32BE(m.unixNsecs ?? 0, 12);
  b.writeUInt32BE(m.sequence >>> 0, 16);
  b[20] = m.engineType ?? 0;
  b[21] = m.engineId ?? 0;
  b.writeUInt16BE((((m.samplingMode ?? 0) & 3) << 14) | ((m.samplingInterval ?? 0) & 0x3fff), 22);
  m.records.forEach((r, i) => {
    const p = 24 + i * 48;
    b.set(addressBytes(r.src), p);
    b.set(addressBytes(r.dst), p + 4);
    b.set(addressBytes(r.nextHop ?? '0.0.0.0'), p + 8);
    b.writeUInt16BE(r.input ?? 0, p + 12);
    b.writeUInt16BE(r.output ?? 0, p + 14);
    b.writeUInt32BE(r.packets >>> 0, p + 16);
    b.writeUInt32BE(r.bytes >>> 0, p + 20);
    b.writeUInt32BE(r.first >>> 0, p + 24);
    b.writeUInt32BE(r.last >>> 0, p + 28);
    b.writeUInt16BE(r.srcPort ?? 0, p + 32);
    b.writeUInt16BE(r.dstPort ?? 0, p + 34);
    b[p + 37] = r.tcpFlags ?? 0;
    b[p + 38] = r.protocol;
    b[p + 39] = r.tos ?? 0;
    b.writeUInt16BE(r.srcAs ?? 0, p + 40);
    b.writeUInt16BE(r.dstAs ?? 0, p + 42);
    b[p + 44] = r.srcMask ?? 0;
    b[p + 45] = r.dstMask ?? 0;
  });
  return b;
}
