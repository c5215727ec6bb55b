/**
 * registry: who trades on the exchange. Members (name, ASNs, roles, contact), their ports
 * (capacity in Mbps, router addresses on the exchange LAN, and the MAC / flow-source mapping
 * metering uses) and API keys (stored as SHA-256 hashes, shown once, revocable). Other domains
 * read through `RegistryReader` (synchronous, from memory) and react to the journal events
 * `MemberCreated`, `PortCreated`, `ApiKeyCreated`, `ApiKeyRevoked` (topic `registry`).
 */
export * from './types.ts';
export * from './errors.ts';
export * from './registry-reader.ts';
export * from './registry-repo.ts';
export * from './registry-service.ts';
export * from './validate.ts';
