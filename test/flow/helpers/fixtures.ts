/** Loads captured datagrams and sums decoded flows per key. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowRecord } from '../../../src/flow/index.ts';
import { formatAddress } from '../../../src/flow/index.ts';
import { flowKey, SENTINEL_SRC } from './traffic.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export const FIXTURES = [
  'softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'softflowd-v9-sampled10',
  'pmacct-v5', 'pmacct-v9', 'pmacct-ipfix', 'pmacct-sflow',
] as const;

export function loadFixture(name: string): Buffer[] {
  return readFileSync(join(dir, `${name}.hex`), 'utf8').trim().split('\n').filter(Boolean).map((l) => Buffer.from(l, 'hex'));
}

export interface Sum { packets: number; bytes: number; l3Bytes: number; sampledPackets: number; sampledBytes: number; records: number; interval: number }

/** A sink summing records per flow key (sentinel flows left out). */
export function summingSink(): { sums: Map<string, Sum>; flow(r: FlowRecord): void } {
  const sums = new Map<string, Sum>();
  return {
    sums,
    flow(r: FlowRecord) {
      const src = formatAddress(r.srcAddr, r.ipVersion);
      if (src === SENTINEL_SRC) return;
      const k = flowKey(r.ipProtocol, src, formatAddress(r.dstAddr, r.ipVersion), r.srcPort, r.dstPort);
      const s = sums.get(k) ?? { packets: 0, bytes: 0, l3Bytes: 0, sampledPackets: 0, sampledBytes: 0, records: 0, interval: 0 };
      s.packets += r.packets;
      s.bytes += r.bytes;
      s.l3Bytes += r.l3Bytes;
      s.sampledPackets += r.sampledPackets;
      s.sampledBytes += r.sampledBytes;
      s.records++;
      s.interval = r.samplingInterval;
      sums.set(k, s);
    },
  };
}
