/**
 * The one way other domains read measured quality: the market ranks and filters sellers with it
 * (SPEC B3), the overflow agent picks providers by response time (A3). Look-ups are synchronous
 * because matching runs on one thread without awaiting; the quality component keeps its current
 * statistics in memory and answers from there.
 */

/** What a path from a provider towards a destination looks like. */
export interface QualityFigures {
  /** Mean round-trip latency in milliseconds. */
  latencyMs: number;
  /** Packet loss in percent (0–100). */
  lossPct: number;
  /** Network distance in AS hops (AS-path length towards the destination). */
  asHops: number;
}

export interface QualityObservation extends Partial<QualityFigures> {
  /** True when measured by the exchange or an accepted third party; false for a member's own claim. */
  verified: boolean;
  /** Number of samples the figures rest on. */
  samples: number;
  /** When the newest sample was taken (epoch ms), or null when there is none. */
  measuredAt: number | null;
  /** The provider's response-time class (SPEC A4), when assigned. */
  responseClass?: string;
}

export interface QualitySource {
  /**
   * Measured quality of `providerMemberId` towards `destination` (canonical CIDR, or `any4`/`any6`
   * for full transit of one family). Implementations answer for the most specific destination they
   * hold statistics for that covers the one asked. Undefined when nothing was measured.
   */
  lookup(providerMemberId: string, destination: string): QualityObservation | undefined;
}

/** A source that knows nothing: matching then falls back to declared (unverified) values. */
export const noQuality: QualitySource = { lookup: () => undefined };
