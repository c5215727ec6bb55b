import { FlowRecord } from '../../src/flow/index.ts';
import type { PortDirectory, PortRef } from '../../src/metering/index.ts';

export interface TestPort extends PortRef {
  routerIps?: string[];
  macAddresses?: string[];
  flowSources?: Array<{ exporter: string; ifIndex: number }>;
}

/** A port directory over a fixed list (the registry answers the same questions from memory). */
export function directory(ports: TestPort[]): PortDirectory {
  return {
    findPortByRouterIp: (ip) => ports.find((p) => p.routerIps?.includes(ip)),
    findPortByMac: (mac) => ports.find((p) => p.macAddresses?.includes(mac.toLowerCase())),
    findPortByFlowSource: (e, i) => ports.find((p) => p.flowSources?.some((s) => s.exporter === e && s.ifIndex === i)),
  };
}

export function flow(over: Partial<{
  exporter: string; inputIf: number; outputIf: number; src: [number, number, number, number]; dst: [number, number, number, number];
  bytes: number; l3Bytes: number; packets: number; startMs: number; endMs: number; proto: number; sport: number; dport: number;
  srcMac: number; dstMac: number; nextHop: [number, number, number, number];
}>): FlowRecord {
  const r = new FlowRecord();
  r.reset();
  r.exporter = over.exporter ?? '192.0.2.1';
  r.inputIf = over.inputIf ?? 0;
  r.outputIf = over.outputIf ?? 0;
  r.ipVersion = 4;
  r.srcAddr.set(over.src ?? [10, 0, 0, 1]);
  r.dstAddr.set(over.dst ?? [198, 51, 100, 7]);
  r.bytes = over.bytes ?? 1000;
  r.l3Bytes = over.l3Bytes ?? r.bytes;
  r.packets = over.packets ?? 10;
  r.startMs = over.startMs ?? 0;
  r.endMs = over.endMs ?? r.startMs;
  r.ipProtocol = over.proto ?? 6;
  r.srcPort = over.sport ?? 40000;
  r.dstPort = over.dport ?? 443;
  r.srcMac = over.srcMac ?? 0;
  r.dstMac = over.dstMac ?? 0;
  if (over.nextHop) {
    r.nextHopVersion = 4;
    r.nextHop.set(over.nextHop);
  }
  return r;
}
