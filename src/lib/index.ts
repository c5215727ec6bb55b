/**
 * lib: the small shared vocabulary every component may import — errors with stable codes, the
 * injected clock and id sources, IP addresses and prefixes with one prefix trie, money in integer
 * micro-units, and the reporter (logger + Prometheus metrics). Nothing here knows about a domain.
 */
export * from './errors.ts';
export * from './clock.ts';
export * from './ids.ts';
export * from './ip.ts';
export * from './prefix.ts';
export * from './prefix-trie.ts';
export * from './money.ts';
export * from './reporter.ts';
export * from './events.ts';
