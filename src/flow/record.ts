/**
 * One flow as every decoder reports it. Decoders reuse a single FlowRecord per datagram and hand
 * it to the sink's `flow()` callback, so decoding allocates nothing per record: a sink copies the
 * fields it keeps. Addresses are 16-byte arrays (IPv4 in the first 4 bytes) formatted on demand.
 */
import type { CompiledTemplate } from './template.ts';

export type FlowProtocol = 'netflow5' | 'netflow9' | 'ipfix' | 'sflow';

/**
 * Which bytes `bytes` counts. NetFlow and IPFIX count IP (layer 3) bytes (RFC 7012 octetDeltaCount);
 * sFlow's frame_length counts the whole layer-2 frame plus the 4-byte FCS (sFlow v5 §5.2 "frame_length").
 * `l3Bytes` always carries the layer-3 figure so that bills can say which layer they use.
 */
export type ByteLayer = 'l3' | 'l2';

export class FlowRecord {
  protocol: FlowProtocol = 'netflow5';
  /** Exporter address (datagram source for NetFlow/IPFIX, agent address for sFlow). */
  exporter = '';
  /** Observation domain (IPFIX), source id (v9), engine type/id (v5) or sub-agent (sFlow). */
  domainId = 0;
  ipVersion: 0 | 4 | 6 = 0;
  readonly srcAddr = new Uint8Array(16);
  readonly dstAddr = new Uint8Array(16);
  nextHopVersion: 0 | 4 | 6 = 0;
  readonly nextHop = new Uint8Array(16);
  srcPort = 0;
  dstPort = 0;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  ipProtocol = 0;
  tos = 0;
  tcpFlags = 0;
  icmpTypeCode = 0;
  inputIf = 0;
  outputIf = 0;
  srcAs = 0;
  dstAs = 0;
  srcMask = 0;
  dstMask = 0;
  /** 48-bit MAC addresses as numbers; 0 when not exported. */
  srcMac = 0;
  dstMac = 0;
  vlan = 0;
  /** 0 ingress, 1 egress, -1 not exported (RFC 7012 flowDirection). */
  direction = -1;
  /** Estimated totals: sampled counts times `samplingInterval`. */
  packets = 0;
  bytes = 0;
  /** Layer-3 bytes (estimated); equals `bytes` when `byteLayer` is 'l3'. */
  l3Bytes = 0;
  /** Counts as exported, before scaling. */
  sampledPackets = 0;
  sampledBytes = 0;
  /** 1 when unsampled. */
  samplingInterval = 1;
  byteLayer: ByteLayer = 'l3';
  startMs = 0;
  endMs = 0;
  /** The datagram and record position, for reading elements the table does not name. */
  buf: Uint8Array = EMPTY;
  offset = 0;
  template: CompiledTemplate | null = null;

  /**
   * Clears per-record fields (not exporter/protocol, which are per datagram). Address bytes are
   * not cleared: `ipVersion` / `nextHopVersion` say how many of them are valid (0 = none).
   */
  reset(): void {
    this.ipVersion = 0;
    this.nextHopVersion = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.ipProtocol = 0;
    this.tos = 0;
    this.tcpFlags = 0;
    this.icmpTypeCode = 0;
    this.inputIf = 0;
    this.outputIf = 0;
    this.srcAs = 0;
    this.dstAs = 0;
    this.srcMask = 0;
    this.dstMask = 0;
    this.srcMac = 0;
    this.dstMac = 0;
    this.vlan = 0;
    this.direction = -1;
    this.packets = 0;
    this.bytes = 0;
    this.l3Bytes = 0;
    this.sampledPackets = 0;
    this.sampledBytes = 0;
    this.samplingInterval = 1;
    this.startMs = 0;
    this.endMs = 0;
    this.template = null;
  }

  /** A plain, detached copy (for tests and sinks that keep records). */
  toJSON(): FlowRecordJson {
    return {
      protocol: this.protocol, exporter: this.exporter, domainId: this.domainId, ipVersion: this.ipVersion,
      srcAddr: formatAddress(this.srcAddr, this.ipVersion), dstAddr: formatAddress(this.dstAddr, this.ipVersion),
      nextHop: formatAddress(this.nextHop, this.nextHopVersion), srcPort: this.srcPort, dstPort: this.dstPort,
      ipProtocol: this.ipProtocol, tos: this.tos, tcpFlags: this.tcpFlags, icmpTypeCode: this.icmpTypeCode,
      inputIf: this.inputIf, outputIf: this.outputIf, srcAs: this.srcAs, dstAs: this.dstAs,
      srcMask: this.srcMask, dstMask: this.dstMask, srcMac: formatMac(this.srcMac), dstMac: formatMac(this.dstMac),
      vlan: this.vlan, direction: this.direction, packets: this.packets, bytes: this.bytes, l3Bytes: this.l3Bytes,
      sampledPackets: this.sampledPackets, sampledBytes: this.sampledBytes, samplingInterval: this.samplingInterval,
      byteLayer: this.byteLayer, startMs: this.startMs, endMs: this.endMs,
    };
  }
}

export interface FlowRecordJson {
  protocol: FlowProtocol; exporter: string; domainId: number; ipVersion: 0 | 4 | 6;
  srcAddr: string; dstAddr: string; nextHop: string; srcPort: number; dstPort: number; ipProtocol: number;
  tos: number; tcpFlags: number; icmpTypeCode: number; inputIf: number; outputIf: number; srcAs: number;
  dstAs: number; srcMask: number; dstMask: number; srcMac: string; dstMac: string; vlan: number;
  direction: number; packets: number; bytes: number; l3Bytes: number; sampledPackets: number;
  sampledBytes: number; samplingInterval: number; byteLayer: ByteLayer; startMs: number; endMs: number;
}

const EMPTY = new Uint8Array(0);

/**
 * NetFlow exporters put ICMP type and code in the destination port (type * 256 + code, as Cisco
 * v5 does): move it to icmpTypeCode so ICMP flows have no ports, whichever protocol carried them.
 */
export function normaliseIcmp(rec: FlowRecord): void {
  if (rec.ipProtocol !== 1 && rec.ipProtocol !== 58) return;
  if (rec.icmpTypeCode === 0) rec.icmpTypeCode = rec.dstPort;
  rec.srcPort = 0;
  rec.dstPort = 0;
}

/** RFC 5952 text for IPv6 (longest zero run compressed), dotted quad for IPv4, '' when absent. */
export function formatAddress(a: Uint8Array, version: 0 | 4 | 6): string {
  if (version === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  if (version !== 6) return '';
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((a[i] << 8) | a[i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function formatMac(mac: number): string {
  if (mac === 0) return '';
  const hex = mac.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

/** Parses 'aa:bb:cc:dd:ee:ff' (or with '-') into the 48-bit number FlowRecord uses. */
export function parseMac(text: string): number | null {
  const hex = text.toLowerCase().replace(/[:.-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return parseInt(hex, 16);
}
