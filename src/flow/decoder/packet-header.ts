/**
 * Raw packet header parsing for sFlow sampled headers (sFlow v5 §5.2 "sampled_header"): Ethernet
 * (with 802.1Q / 802.1ad tags), IPv4 (RFC 791), IPv6 (RFC 8200, skipping extension headers), and
 * the first bytes of TCP, UDP and ICMP. Headers are truncated by the agent, so every read is
 * bounds-checked and a short header simply yields fewer fields — never an exception.
 * Returns the IP total length (layer-3 bytes of the packet), or 0 when no IP header was found.
 */
import type { FlowRecord } from '../record.ts';

export const HEADER_ETHERNET = 1;
export const HEADER_IPV4 = 11;
export const HEADER_IPV6 = 12;

export function parsePacketHeader(buf: Buffer, p: number, end: number, kind: number, rec: FlowRecord): number {
  let etherType: number;
  if (kind === HEADER_ETHERNET) {
    if (p + 14 > end) return 0;
    rec.dstMac = buf.readUIntBE(p, 6);
    rec.srcMac = buf.readUIntBE(p + 6, 6);
    etherType = (buf[p + 12] << 8) | buf[p + 13];
    p += 14;
    while ((etherType === 0x8100 || etherType === 0x88a8) && p + 4 <= end) {
      if (rec.vlan === 0) rec.vlan = ((buf[p] << 8) | buf[p + 1]) & 0x0fff;
      etherType = (buf[p + 2] << 8) | buf[p + 3];
      p += 4;
    }
  } else if (kind === HEADER_IPV4) etherType = 0x0800;
  else if (kind === HEADER_IPV6) etherType = 0x86dd;
  else return 0;

  let proto: number;
  let l3Len: number;
  let fragmentOffset = 0;
  if (etherType === 0x0800) {
    if (p + 20 > end || buf[p] >> 4 !== 4) return 0;
    const ihl = (buf[p] & 0x0f) * 4;
    rec.ipVersion = 4;
    rec.tos = buf[p + 1];
    l3Len = (buf[p + 2] << 8) | buf[p + 3];
    fragmentOffset = ((buf[p + 6] << 8) | buf[p + 7]) & 0x1fff;
    proto = buf[p + 9];
    for (let i = 0; i < 4; i++) {
      rec.srcAddr[i] = buf[p + 12 + i];
      rec.dstAddr[i] = buf[p + 16 + i];
    }
    p += ihl < 20 ? 20 : ihl;
  } else if (etherType === 0x86dd) {
    if (p + 40 > end || buf[p] >> 4 !== 6) return 0;
    rec.ipVersion = 6;
    rec.tos = ((buf[p] & 0x0f) << 4) | (buf[p + 1] >> 4);
    l3Len = ((buf[p + 4] << 8) | buf[p + 5]) + 40;
    proto = buf[p + 6];
    for (let i = 0; i < 16; i++) {
      rec.srcAddr[i] = buf[p + 8 + i];
      rec.dstAddr[i] = buf[p + 24 + i];
    }
    p += 40;
    // hop-by-hop, routing, destination options, fragment (RFC 8200 §4)
    for (let hops = 0; hops < 8 && (proto === 0 || proto === 43 || proto === 60 || proto === 44); hops++) {
      if (p + 8 > end) { proto = -1; break; }
      const next = buf[p];
      if (proto === 44) {
        fragmentOffset = ((buf[p + 2] << 8) | buf[p + 3]) >> 3;
        p += 8;
      } else p += (buf[p + 1] + 1) * 8;
      proto = next;
    }
    if (proto < 0) return l3Len;
  } else return 0;
  rec.ipProtocol = proto;
  if (fragmentOffset !== 0) return l3Len;
  if (proto === 6 || proto === 17 || proto === 132) {
    if (p + 4 <= end) {
      rec.srcPort = (buf[p] << 8) | buf[p + 1];
      rec.dstPort = (buf[p + 2] << 8) | buf[p + 3];
    }
    if (proto === 6 && p + 14 <= end) rec.tcpFlags = buf[p + 13];
  } else if (proto === 1 || proto === 58) {
    if (p + 2 <= end) rec.icmpTypeCode = (buf[p] << 8) | buf[p + 1];
  }
  return l3Len;
}
