/**
 * metering: traffic levels per member port from flow records (SPEC A1 measure and classify,
 * A5 which provider received the traffic, B8 bits/s samples for settlement).
 *
 * Design: the flow collector hands records to `createMetering(...).sink`; each record is mapped
 * to the port it entered and the port it left the fabric by (port-mapper.ts: flow source,
 * MAC, router/next-hop), classified (traffic-class.ts), spread over the fixed bins its start–end
 * interval covers (spread.ts, exact integer apportioning) and added to open bins in memory
 * (aggregator.ts). Closed bins are flushed as additive rows to a MeteringRepo (src/store
 * implements it; memory for tests). Bytes are layer 3 by default (sFlow normalised through
 * the IP header's length) and the answers say which layer they count. Time comes from the
 * injected Clock; nothing here sleeps.
 *
 * In `bandex serve` the aggregation runs in the collector's decode worker (worker-sink.ts over a
 * copy of the port table, port-table.ts) and arrives here as additive bin deltas; open bins are
 * checkpointed to a file every few seconds so a crash loses at most that much (metering.ts).
 */
export { createMetering, meteringCheckpointFile } from './metering.ts';
export type { MeteringService, MeteringDeps, MeteringWorkerSpec, TrafficSeries, TrafficPoint, RatePair } from './metering.ts';
export type { MeteringDeltas, MeteringWorkerOptions } from './worker-sink.ts';
export { TablePortDirectory, portTableOf } from './port-table.ts';
export { createMemoryMeteringRepo } from './metering-repo.ts';
export type { MeteringRepo, BinRow, DestinationRow, BinDimension } from './metering-repo.ts';
export type { PortDirectory, PortRef, PortMapping } from './port-directory.ts';
export { PortMapper } from './port-mapper.ts';
export { classify, TRAFFIC_CLASSES } from './traffic-class.ts';
export type { TrafficClass } from './traffic-class.ts';
export { spreadOverBins } from './spread.ts';
export { meteringConfigDefaults, flowConfigDefaults, checkMeteringConfig, checkFlowConfig, parseListen } from './config.ts';
export type { MeteringConfig, FlowConfig } from './config.ts';
export { meteringErrors } from './errors.ts';
export { createFlowService } from './flow-service.ts';
export type { FlowService } from './flow-service.ts';
export { parseSampling } from './config.ts';
