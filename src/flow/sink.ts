/**
 * What decoders report to. `flow` receives a reused FlowRecord (copy what you keep); `counters`
 * receives sFlow interface counter samples (sFlow v5 §5.4, generic interface counters).
 */
import type { FlowRecord } from './record.ts';
import type { ExporterState } from './exporter-state.ts';
import type { RecordScratch } from './template.ts';

export interface InterfaceCounters {
  exporter: string;
  subAgentId: number;
  sequence: number;
  ifIndex: number;
  ifType: number;
  ifSpeed: number;
  ifDirection: number;
  ifStatus: number;
  ifInOctets: number;
  ifInUcastPkts: number;
  ifInMulticastPkts: number;
  ifInBroadcastPkts: number;
  ifInDiscards: number;
  ifInErrors: number;
  ifInUnknownProtos: number;
  ifOutOctets: number;
  ifOutUcastPkts: number;
  ifOutMulticastPkts: number;
  ifOutBroadcastPkts: number;
  ifOutDiscards: number;
  ifOutErrors: number;
  ifPromiscuousMode: number;
  receivedMs: number;
}

export interface FlowSink {
  flow(rec: FlowRecord): void;
  counters?(c: InterfaceCounters): void;
}

/** Everything one datagram's decoding needs; reused between datagrams. */
export interface DecodeContext {
  rec: FlowRecord;
  scratch: RecordScratch;
  state: ExporterState;
  now: number;
  templateTimeoutMs: number;
  sink: FlowSink;
}
