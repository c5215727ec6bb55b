import type { JournalEvent, NewEvent } from '../lib/index.ts';
import type { ApiKey, Member, Port } from './types.ts';

export interface StoredKey extends ApiKey {
  tokenHash: string;
}

/** What the registry needs from storage; src/store/repos/registry-repo.ts implements it. */
export interface RegistryRepo {
  load(): Promise<{ members: Member[]; ports: Port[]; keys: StoredKey[] }>;
  /** Each write journals `event` and writes the rows in the same transaction. */
  insertMember(m: Member, event: NewEvent): Promise<JournalEvent>;
  insertPort(p: Port, event: NewEvent): Promise<JournalEvent>;
  insertKey(k: StoredKey, event: NewEvent): Promise<JournalEvent>;
  revokeKey(id: string, at: number, event: NewEvent): Promise<JournalEvent>;
}
