/** API shapes of foundation objects: epoch ms become ISO 8601 strings at the edge. */
import { toIso, type JournalEvent } from '../lib/index.ts';
import type { ApiKey, Member, Port } from '../registry/index.ts';

export const presentMember = (m: Member) => ({ ...m, createdAt: toIso(m.createdAt) });
export const presentPort = (p: Port) => ({ ...p, createdAt: toIso(p.createdAt) });
export const presentKey = (k: ApiKey) => ({ ...k, createdAt: toIso(k.createdAt), revokedAt: k.revokedAt === null ? null : toIso(k.revokedAt) });

/** Admins see the audience of a private event; members only see that it is theirs. */
export function presentEvent(e: JournalEvent, viewer: string | null) {
  return {
    seq: e.seq,
    time: toIso(e.time),
    type: e.type,
    actor: e.actor,
    topic: e.topic,
    ...(viewer === null ? { visibleTo: e.visibleTo } : { private: e.visibleTo !== null }),
    payload: e.payload,
  };
}
