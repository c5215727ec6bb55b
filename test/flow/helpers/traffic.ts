/**
 * The traffic every flow test agrees on: the flows of pcap.ts followed by sentinel packets (which
 * push sfprobe's last partial datagram out and are left out of every check), and the expected
 * totals per flow key.
 */
import { TEST_FLOWS, SENTINEL_FLOW, schedule, pcapBytes, totalsOf } from './pcap.ts';
import type { FlowTotals } from './pcap.ts';

export const PCAP_START_MS = 1_700_000_000_000;

export function fixturePcap(): Buffer {
  const pk = schedule(TEST_FLOWS, PCAP_START_MS);
  const last = pk[pk.length - 1].tsMs;
  return pcapBytes([...pk, ...schedule([SENTINEL_FLOW], last + 1000)]);
}

/** Key of a flow as decoded: protocol, addresses and ports (ICMP flows have no ports). */
export function flowKey(proto: number, src: string, dst: string, sport: number, dport: number): string {
  const icmp = proto === 1 || proto === 58;
  return `${proto} ${src}:${icmp ? 0 : sport} > ${dst}:${icmp ? 0 : dport}`;
}

export const SENTINEL_SRC = SENTINEL_FLOW.src;

export function expectedTotals(): Map<string, FlowTotals> {
  const m = new Map<string, FlowTotals>();
  for (const f of TEST_FLOWS) m.set(flowKey(f.proto, f.src, f.dst, f.sport, f.dport), totalsOf(f));
  return m;
}
