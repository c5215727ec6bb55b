/** Tables of the quality database (src/quality): raw measurements, probe targets, probe agents. */

export interface QualityMeasurementsTable {
  id: string;
  provider: string;
  /** Canonical CIDR. */
  destination: string;
  target: string;
  method: string;
  /** Epoch ms the run started. */
  at: number;
  sent: number;
  /** JSON array of the replies' RTTs in ms, in send order. */
  rtts: string;
  source: string;
  /** 0/1. */
  verified: number;
  as_hops: number | null;
  received_at: number;
  /** Journal seq of the QualityMeasured event that filed it, and its place in that batch: filing order. */
  seq: number;
  pos: number;
}

export interface QualityTargetsTable {
  key: string;
  provider: string;
  destination: string;
  target: string;
  method: string;
  port: number | null;
  count: number;
  lane: string;
  source_address: string | null;
}

export interface QualityAgentsTable {
  id: string;
  provider: string;
  /** SHA-256 hex of the agent token. */
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface QualityTables {
  quality_measurements: QualityMeasurementsTable;
  quality_targets: QualityTargetsTable;
  quality_agents: QualityAgentsTable;
}
