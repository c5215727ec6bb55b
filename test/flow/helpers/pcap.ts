/**
 * Deterministic traffic for the exporter interop tests: a few TCP/UDP/ICMP flows over IPv4 and
 * IPv6 with known packet and byte totals, written as a classic libpcap file (Ethernet link type)
 * that softflowd (`-r`) and pmacct (`pcap_savefile`) replay.
 */
import { writeFileSync } from 'node:fs';

export interface TestFlow {
  name: string;
  family: 4 | 6;
  proto: 6 | 17 | 1 | 58;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** L3 (IP) lengths of each packet, in order. */
  sizes: number[];
  vlan?: number;
}

export interface FlowTotals { packets: number; l3Bytes: number; l2Bytes: number }

const SRC_MAC = Buffer.from('02000000aa01', 'hex');
const DST_MAC = Buffer.from('02000000bb02', 'hex');

function v4(addr: string): Buffer {
  return Buffer.from(addr.split('.').map(Number));
}
function v6(addr: string): Buffer {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One frame (Ethernet [+ 802.1Q] + IP + L4) whose IP total length is `l3Len`. */
export function buildFrame(f: TestFlow, l3Len: number, index: number): Buffer {
  const ipHdr = f.family === 4 ? 20 : 40;
  const l4Len = l3Len - ipHdr;
  const l4 = Buffer.alloc(l4Len);
  if (f.proto === 6) {
    l4.writeUInt16BE(f.sport, 0);
    l4.writeUInt16BE(f.dport, 2);
    l4.writeUInt32BE(1000 + index * 100, 4);
    l4.writeUInt32BE(index ? 5000 : 0, 8);
    l4[12] = 5 << 4;
    const last = index === f.sizes.length - 1;
    l4[13] = index === 0 ? 0x02 : last ? 0x11 : 0x18; // SYN, then PSH+ACK, FIN+ACK at the end
    l4.writeUInt16BE(65535, 14);
  } else if (f.proto === 17) {
    l4.writeUInt16BE(f.sport, 0);
    l4.writeUInt16BE(f.dport, 2);
    l4.writeUInt16BE(l4Len, 4);
  } else {
    l4[0] = f.proto === 1 ? 8 : 128; // echo request
    l4.writeUInt16BE(0x1234, 4);
    l4.writeUInt16BE(index, 6);
  }
  let ip: Buffer;
  if (f.family === 4) {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(l3Len, 2);
    ip.writeUInt16BE(index & 0xffff, 4);
    ip[8] = 64;
    ip[9] = f.proto;
    v4(f.src).copy(ip, 12);
    v4(f.dst).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
  } else {
    ip = Buffer.alloc(40);
    ip[0] = 0x60;
    ip.writeUInt16BE(l4Len, 4);
    ip[6] = f.proto;
    ip[7] = 64;
    v6(f.src).copy(ip, 8);
    v6(f.dst).copy(ip, 24);
  }
  const etherType = Buffer.alloc(2);
  etherType.writeUInt16BE(f.family === 4 ? 0x0800 : 0x86dd);
  const parts: Buffer[] = [DST_MAC, SRC_MAC];
  if (f.vlan !== undefined) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(0x8100, 0);
    tag.writeUInt16BE(f.vlan, 2);
    parts.push(tag);
  }
  parts.push(etherType, ip, l4);
  return Buffer.concat(parts);
}

/** The flows every interop test replays. Sizes vary so that byte totals catch off-by-one layers. */
export const TEST_FLOWS: TestFlow[] = [
  { name: 'tcp4-https', family: 4, proto: 6, src: '10.0.0.1', dst: '192.0.2.10', sport: 40000, dport: 443,
    sizes: Array.from({ length: 20 }, (_, i) => 60 + ((i * 137) % 1400)) },
  { name: 'udp4-dns', family: 4, proto: 17, src: '10.0.0.2', dst: '198.51.100.7', sport: 5353, dport: 53,
    sizes: Array.from({ length: 10 }, (_, i) => 80 + i * 11) },
  { name: 'icmp4-echo', family: 4, proto: 1, src: '10.0.0.3', dst: '192.0.2.20', sport: 0, dport: 0,
    sizes: [84, 84, 84, 84, 84] },
  { name: 'tcp6-http', family: 6, proto: 6, src: '2001:db8::1', dst: '2001:db8:1::2', sport: 41000, dport: 80,
    sizes: Array.from({ length: 12 }, (_, i) => 72 + ((i * 211) % 1200)) },
  { name: 'udp6-ntp', family: 6, proto: 17, src: '2001:db8::3', dst: '2001:db8:2::4', sport: 123, dport: 123,
    sizes: [96, 96, 96, 96, 96, 96] },
];

export function totalsOf(f: TestFlow): FlowTotals {
  const l2Extra = 14 + (f.vlan !== undefined ? 4 : 0);
  return {
    packets: f.sizes.length,
    l3Bytes: f.sizes.reduce((a, b) => a + b, 0),
    // sFlow frame_length: Ethernet frame (padded to 60) plus the 4-byte FCS
    l2Bytes: f.sizes.reduce((a, b) => a + Math.max(60, b + l2Extra) + 4, 0),
  };
}

export interface PcapPacket { tsMs: number; frame: Buffer }

/** Interleaves the flows' packets, 10 ms apart, starting at `startMs`. */
export function schedule(flows: TestFlow[], startMs: number, stepMs = 10): PcapPacket[] {
  const out: PcapPacket[] = [];
  const max = Math.max(...flows.map((f) => f.sizes.length));
  let t = startMs;
  for (let i = 0; i < max; i++) {
    for (const f of flows) {
      if (i < f.sizes.length) {
        out.push({ tsMs: t, frame: buildFrame(f, f.sizes[i], i) });
        t += stepMs;
      }
    }
  }
  return out;
}

export function pcapBytes(packets: PcapPacket[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const parts: Buffer[] = [head];
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.tsMs / 1000), 0);
    rec.writeUInt32LE((p.tsMs % 1000) * 1000, 4);
    rec.writeUInt32LE(p.frame.length, 8);
    rec.writeUInt32LE(p.frame.length, 12);
    parts.push(rec, p.frame);
  }
  return Buffer.concat(parts);
}

export function writePcap(path: string, packets: PcapPacket[]): void {
  writeFileSync(path, pcapBytes(packets));
}

/** Packets of a flow that no test counts: sfprobe keeps its last partial datagram, these push it out. */
export const SENTINEL_FLOW: TestFlow = {
  name: 'sentinel', family: 4, proto: 17, src: '10.9.9.9', dst: '10.9.9.10', sport: 9, dport: 9,
  sizes: Array.from({ length: 40 }, () => 100),
};
