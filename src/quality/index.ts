/**
 * quality: the quality database and route analyzer (SPEC A4, B6).
 *
 * Probes (TCP connect, ICMP echo via fping/ping, UDP echo against bandex's own responder) measure
 * latency and loss from the exchange — bound to a per-provider source address so policy routing
 * sends them through that provider — or from a probe agent inside a member's network. Each
 * measurement lands in a sliding window per (provider, destination prefix) that keeps mean,
 * median, p95, RFC 3550 §6.4.1 jitter, loss with a Wilson interval and availability up to date
 * incrementally; providers are placed in response-time classes with hysteresis. A deterministic
 * scheduler picks the next probe from staleness, market interest and traffic volume within a
 * global and a per-target rate limit, and revalidates every member periodically. RIPE Atlas ping
 * results and a simple CSV are imported as third-party measurements. The market reads all of
 * this through `QualitySource` (synchronous, from memory).
 */
export * from './quality-source.ts';
export * from './errors.ts';
export * from './measurement.ts';
export * from './stats-math.ts';
export * from './sliding-window.ts';
export * from './response-classes.ts';
export * from './as-path-source.ts';
export * from './quality-db.ts';
export * from './token-bucket.ts';
export * from './scheduler.ts';
export * from './import-atlas.ts';
export * from './import-csv.ts';
export * from './probers/probe-result.ts';
export * from './probers/udp-wire.ts';
export * from './probers/udp-responder.ts';
export * from './probers/udp-prober.ts';
export * from './probers/tcp-prober.ts';
export * from './probers/icmp-prober.ts';
export * from './probers/run-probe.ts';
export * from './config.ts';
export * from './quality-repository.ts';
export * from './quality-service.ts';
export * from './probe-agent.ts';
export * from './event-feed.ts';
