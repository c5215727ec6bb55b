/**
 * The `quality` configuration section. The defaults object is also the schema (src/config.ts
 * refuses unknown keys and type changes); range checks happen in the factories, which throw
 * QUALITY_BAD_CONFIG naming the path.
 */
import { type EventFeedConfig, eventFeedDefaults } from './event-feed.ts';
import type { ResponseClass } from './response-classes.ts';
import { defaultClassConfig } from './response-classes.ts';
import type { ProbeTarget } from './scheduler.ts';
import { defaultSchedulerConfig } from './scheduler.ts';

export interface SourceAddressBinding {
  provider: string;
  /** Local address whose policy-routing table sends packets through `provider` (docs/quality.md). */
  address: string;
}

export interface QualityConfig {
  /** Run the exchange's own probe loop (agents and imports work either way). */
  probing: boolean;
  /** Probes running at once in the exchange's loop. */
  concurrency: number;
  /** Gap between packets of one probe run, and how long to wait for the last reply (ms). */
  packetIntervalMs: number;
  packetTimeoutMs: number;
  /** Prefix for fping/ping, e.g. ["ip","vrf","exec","probe"]. */
  icmpWrap: string[];
  window: { maxSamples: number; maxAgeMs: number };
  classes: ResponseClass[];
  classMarginMs: number;
  classMarginRatio: number;
  classConsecutive: number;
  classStatistic: string;
  classMinSamples: number;
  scheduler: typeof defaultSchedulerConfig;
  /** Targets probed from the start (more come through the API). */
  targets: ProbeTarget[];
  sourceAddresses: SourceAddressBinding[];
  /** Probe jobs handed to one agent per lease call, at most. */
  maxLease: number;
  /** Raw measurements older than this are deleted (hourly); 0 keeps them forever. */
  retentionDays: number;
  /** Targets from registered prefixes and interest from orders/trades, read from the journal. */
  feed: EventFeedConfig;
}

export const qualityConfigDefaults: QualityConfig = {
  probing: true,
  concurrency: 8,
  packetIntervalMs: 100,
  packetTimeoutMs: 1000,
  icmpWrap: [],
  window: { maxSamples: 1000, maxAgeMs: 6 * 3600_000 },
  classes: defaultClassConfig.classes.map((c) => (c.maxLatencyMs == null ? { name: c.name } : { name: c.name, maxLatencyMs: c.maxLatencyMs })),
  classMarginMs: defaultClassConfig.marginMs,
  classMarginRatio: defaultClassConfig.marginRatio,
  classConsecutive: defaultClassConfig.consecutive,
  classStatistic: defaultClassConfig.statistic,
  classMinSamples: defaultClassConfig.minSamples,
  scheduler: { ...defaultSchedulerConfig },
  targets: [],
  sourceAddresses: [],
  maxLease: 20,
  retentionDays: 30,
  feed: { ...eventFeedDefaults },
};
