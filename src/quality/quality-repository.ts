/**
 * What the quality domain needs from storage (src/store implements it for SQLite and
 * PostgreSQL; `memoryQualityRepository` serves tests and the benchmark). Measurements are kept
 * raw and replayed into the in-memory statistics on start, so the statistics never disagree with
 * what was stored.
 */
import type { Measurement } from './measurement.ts';
import type { ProbeTarget } from './scheduler.ts';

export interface StoredMeasurement extends Measurement {
  id: string;
  /** When the exchange received it (epoch ms). */
  receivedAt: number;
}

export interface ProbeAgentRecord {
  id: string;
  /** The provider member in whose network the agent runs; it probes and reports for it only. */
  provider: string;
  /** SHA-256 (hex) of the agent's first API key (a foundation `agent` key; it authenticates there). */
  tokenHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface QualityRepository {
  saveMeasurements(ms: StoredMeasurement[]): Promise<void>;
  /**
   * Measurements taken at or after `since`, in the order they were filed (so a replay makes the
   * same class evaluations in the same order), at most `limit` after the opaque `cursor`.
   */
  measurementsSince(since: number, limit: number, cursor?: string): Promise<{ items: StoredMeasurement[]; next: string | null }>;
  /** Deletes raw measurements taken before `before`; returns how many. */
  pruneMeasurements(before: number): Promise<number>;
  listTargets(): Promise<Array<ProbeTarget & { key: string }>>;
  saveTarget(t: ProbeTarget & { key: string }): Promise<void>;
  deleteTarget(key: string): Promise<void>;
  listAgents(): Promise<ProbeAgentRecord[]>;
  saveAgent(a: ProbeAgentRecord): Promise<void>;
}

export function memoryQualityRepository(): QualityRepository & { measurements: StoredMeasurement[] } {
  const measurements: StoredMeasurement[] = [];
  const targets = new Map<string, ProbeTarget & { key: string }>();
  const agents = new Map<string, ProbeAgentRecord>();
  return {
    measurements,
    async saveMeasurements(ms) {
      measurements.push(...ms.map((m) => structuredClone(m)));
    },
    async measurementsSince(since, limit, cursor) {
      const start = cursor === undefined ? 0 : Number(cursor);
      const items: StoredMeasurement[] = [];
      let i = start;
      for (; i < measurements.length && items.length < limit; i++) if (measurements[i].at >= since) items.push(measurements[i]);
      return { items, next: i < measurements.length ? String(i) : null };
    },
    async pruneMeasurements(before) {
      const keep = measurements.filter((m) => m.at >= before);
      const n = measurements.length - keep.length;
      measurements.splice(0, measurements.length, ...keep);
      return n;
    },
    async listTargets() {
      return [...targets.values()];
    },
    async saveTarget(t) {
      targets.set(t.key, { ...t });
    },
    async deleteTarget(key) {
      targets.delete(key);
    },
    async listAgents() {
      return [...agents.values()];
    },
    async saveAgent(a) {
      agents.set(a.id, { ...a });
    },
  };
}
