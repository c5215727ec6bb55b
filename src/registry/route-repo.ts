/**
 * What the trade route registry needs from storage: the members' registered prefixes and routing
 * policies (their own statements, durable). Learned routes are not stored: they are the live
 * sessions' Adj-RIB-In and come back when a session re-establishes. src/store/routes-repo.ts
 * implements this; each write journals its event and writes its row in one transaction.
 */
import type { JournalEvent, NewEvent } from '../lib/index.ts';
import type { RegisteredPrefix, RoutingPolicy } from './route-model.ts';

export interface RouteRegistryRepo {
  load(): Promise<{ prefixes: RegisteredPrefix[]; policies: Array<{ memberId: string; policy: RoutingPolicy }> }>;
  insertPrefix(p: RegisteredPrefix, event: NewEvent): Promise<JournalEvent>;
  deletePrefix(memberId: string, prefix: string, event: NewEvent): Promise<JournalEvent>;
  savePolicy(memberId: string, policy: RoutingPolicy, at: number, event: NewEvent): Promise<JournalEvent>;
}
