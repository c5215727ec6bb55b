/**
 * Tables of the foundation (journal, registry, API plumbing). Column conventions shared by every
 * area (docs/extending.md): integers and epoch-ms timestamps are `bigint` columns read back as JS
 * numbers; booleans are integers 0/1; JSON is `text` (JSON.stringify/parse in the repository);
 * money is `text` holding integer micro-units; ids are `text` from the injected IdSource.
 */

export interface JournalTable {
  seq: number;
  time: number;
  type: string;
  actor: string;
  topic: string | null;
  /** 1 when only the members in `audience` may see it. */
  private: number;
  /** Private events: `,m1,m2,` (ids with `%` and `,` percent-encoded); null when public. Migration 0005. */
  audience: string | null;
  /** JSON text. */
  payload: string;
}

export interface MembersTable {
  id: string;
  name: string;
  /** JSON array of ASNs (numbers). */
  asns: string;
  /** JSON array of roles. */
  roles: string;
  /** JSON object {name?, email?, phone?}. */
  contact: string;
  created_at: number;
}

export interface PortsTable {
  id: string;
  member_id: string;
  name: string;
  capacity_mbps: number;
  /** JSON array of canonical IP strings. */
  router_ips: string;
  /** JSON array of lower-case colon MAC strings. */
  mac_addresses: string;
  /** JSON array of {exporter, ifIndex}. */
  flow_sources: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  /** null for admin keys. */
  member_id: string | null;
  role: string;
  /** The probe agent of an `agent` key (migration 0004); null otherwise. */
  agent_id: string | null;
  /** hex SHA-256 of the whole token. */
  token_hash: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
}

export interface IdempotencyTable {
  principal: string;
  key: string;
  method: string;
  url: string;
  body_hash: string;
  status: number;
  response: string;
  created_at: number;
}

export interface SchemaMigrationsTable {
  id: string;
  applied_at: number;
}

/** The key list of each compact payload tag (migration 0006, payload-codec.ts). */
export interface EventPayloadShapesTable {
  tag: string;
  type: string;
  /** The shape as JSON: keys in storage order, `[key, [keys…]]` for a nested object. */
  keys: string;
}

export interface FoundationTables {
  journal: JournalTable;
  event_payload_shapes: EventPayloadShapesTable;
  members: MembersTable;
  ports: PortsTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyTable;
  schema_migrations: SchemaMigrationsTable;
}
