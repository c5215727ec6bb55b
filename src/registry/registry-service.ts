/**
 * The registry service: members, ports and API keys. State lives in tables (system of record)
 * and in memory (for synchronous look-ups by other domains); memory is loaded at start() and
 * updated only after the journal acknowledged the write, so it never holds an uncommitted fact.
 * Unique facts (names, ASNs, router IPs, MACs, flow sources) are reserved synchronously before
 * the write, so two commands of the same group commit cannot both claim one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalIP, type Clock, type IdSource, type JournalEvent, type Reporter } from '../lib/index.ts';
import { registryErrors } from './errors.ts';
import type { RegistryReader } from './registry-reader.ts';
import type { RegistryRepo, StoredKey } from './registry-repo.ts';
import type { ApiKey, Member, NewMember, NewPort, Port, Principal } from './types.ts';
import { canonicalMac, checkNewMember, checkNewPort } from './validate.ts';

export interface RegistryDeps {
  repo: RegistryRepo;
  clock: Clock;
  ids: IdSource;
  reporter: Reporter;
}

export interface CreatedKey {
  key: ApiKey;
  /** The bearer token; shown once, only its SHA-256 is stored. */
  token: string;
}

export interface Registry extends RegistryReader {
  start(): Promise<void>;
  stop(): Promise<void>;
  createMember(input: NewMember, actor: string): Promise<{ member: Member; event: JournalEvent }>;
  createPort(input: NewPort, actor: string): Promise<{ port: Port; event: JournalEvent }>;
  /** memberId null → an admin key. */
  createKey(input: { memberId: string | null; label?: string }, actor: string): Promise<CreatedKey>;
  /** A key for probe agent `agentId`, which runs in (and reports for) member `providerMemberId`. */
  createAgentKey(input: { agentId: string; providerMemberId: string; label?: string }, actor: string): Promise<CreatedKey>;
  /** The agent's keys (never the tokens). */
  listAgentKeys(agentId: string): ApiKey[];
  revokeKey(id: string, actor: string): Promise<ApiKey>;
  getKey(id: string): ApiKey | undefined;
  listKeys(memberId: string | null): ApiKey[];
  /** The principal for a bearer token, or undefined when unknown or revoked. */
  authenticate(token: string): Principal | undefined;
  /** Makes `token` a valid admin key (idempotent); used by `--admin-token`. */
  ensureAdminToken(token: string, actor: string): Promise<void>;
  hasAdminKey(): boolean;
}

export const TOKEN_PREFIX = 'bdx_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function publicKey(k: StoredKey): ApiKey {
  return { id: k.id, memberId: k.memberId, role: k.role, agentId: k.agentId, label: k.label, createdAt: k.createdAt, revokedAt: k.revokedAt };
}

export function createRegistry(deps: RegistryDeps): Registry {
  const { repo, clock, ids } = deps;
  const created = deps.reporter.counter('bandex_registry_created_total', 'Registry objects created', ['kind']);
  const members = new Map<string, Member>();
  const ports = new Map<string, Port>();
  const keys = new Map<string, StoredKey>();
  const keyByHash = new Map<string, StoredKey>();
  const byAsn = new Map<number, string>();
  const byName = new Map<string, string>();
  const byRouterIp = new Map<string, string>();
  const byMac = new Map<string, string>();
  const byFlow = new Map<string, string>();
  const byPortName = new Map<string, string>();
  const reserved = new Set<string>();

  const flowKey = (exporter: string, ifIndex: number) => `${exporter}#${ifIndex}`;

  function indexMember(m: Member): void {
    members.set(m.id, m);
    byName.set(m.name.toLowerCase(), m.id);
    for (const a of m.asns) byAsn.set(a, m.id);
  }
  function indexPort(p: Port): void {
    ports.set(p.id, p);
    byPortName.set(`${p.memberId}/${p.name.toLowerCase()}`, p.id);
    for (const ip of p.routerIps) byRouterIp.set(ip, p.id);
    for (const m of p.macAddresses) byMac.set(m, p.id);
    for (const f of p.flowSources) byFlow.set(flowKey(f.exporter, f.ifIndex), p.id);
  }
  function indexKey(k: StoredKey): void {
    keys.set(k.id, k);
    keyByHash.set(k.tokenHash, k);
  }

  /** Reserves every unique fact or throws the first conflict; returns a release function. */
  function reserve(claims: { tag: string; taken: boolean; error: () => Error }[]): () => void {
    for (const c of claims) if (c.taken || reserved.has(c.tag)) throw c.error();
    for (const c of claims) reserved.add(c.tag);
    return () => claims.forEach((c) => reserved.delete(c.tag));
  }

  async function newKey(memberId: string | null, label: string, token: string, actor: string, agentId: string | null = null): Promise<StoredKey> {
    const k: StoredKey = {
      id: ids.next('key'),
      memberId,
      role: agentId !== null ? 'agent' : memberId === null ? 'admin' : 'member',
      agentId,
      label,
      createdAt: clock.now(),
      revokedAt: null,
      tokenHash: hashToken(token),
    };
    await repo.insertKey(k, {
      type: 'ApiKeyCreated',
      actor,
      topic: 'registry',
      visibility: memberId === null ? [] : [memberId],
      payload: publicKey(k),
    });
    indexKey(k);
    created.inc({ kind: 'key' });
    return k;
  }

  const registry: Registry = {
    async start() {
      const all = await repo.load();
      all.members.forEach(indexMember);
      all.ports.forEach(indexPort);
      all.keys.forEach(indexKey);
    },
    async stop() {},

    getMember: (id) => members.get(id),
    listMembers: () => [...members.values()],
    memberByAsn: (asn) => members.get(byAsn.get(asn) ?? ''),
    getPort: (id) => ports.get(id),
    listPorts: (memberId) => [...ports.values()].filter((p) => memberId === undefined || p.memberId === memberId),
    findPortByRouterIp(ip) {
      const c = canonicalIP(ip);
      return c === undefined ? undefined : ports.get(byRouterIp.get(c) ?? '');
    },
    findPortByMac(mac) {
      const c = canonicalMac(mac);
      return c === undefined ? undefined : ports.get(byMac.get(c) ?? '');
    },
    findPortByFlowSource(exporter, ifIndex) {
      const c = canonicalIP(exporter);
      return c === undefined ? undefined : ports.get(byFlow.get(flowKey(c, ifIndex)) ?? '');
    },

    async createMember(input, actor) {
      const v = checkNewMember(input);
      const release = reserve([
        {
          tag: `name:${v.name.toLowerCase()}`,
          taken: byName.has(v.name.toLowerCase()),
          error: () => registryErrors.make('REGISTRY_MEMBER_NAME_TAKEN', `name "${v.name}" is already used by another member`, { field: 'name' }),
        },
        ...v.asns.map((a, i) => ({
          tag: `asn:${a}`,
          taken: byAsn.has(a),
          error: () => registryErrors.make('REGISTRY_ASN_TAKEN', `asns[${i}] AS${a} already belongs to another member`, { field: `asns[${i}]` }),
        })),
      ]);
      try {
        const member: Member = { id: ids.next('mem'), ...v, createdAt: clock.now() };
        const event = await repo.insertMember(member, {
          type: 'MemberCreated',
          actor,
          topic: 'registry',
          visibility: [member.id],
          payload: member,
        });
        indexMember(member);
        created.inc({ kind: 'member' });
        return { member, event };
      } finally {
        release();
      }
    },

    async createPort(input, actor) {
      const v = checkNewPort(input);
      if (!members.has(v.memberId)) {
        throw registryErrors.make('REGISTRY_MEMBER_NOT_FOUND', `memberId ${v.memberId} names no member`, { field: 'memberId' });
      }
      const pn = `${v.memberId}/${v.name.toLowerCase()}`;
      const release = reserve([
        {
          tag: `port:${pn}`,
          taken: byPortName.has(pn),
          error: () => registryErrors.make('REGISTRY_PORT_NAME_TAKEN', `the member already has a port named "${v.name}"`, { field: 'name' }),
        },
        ...v.routerIps.map((ip, i) => ({
          tag: `ip:${ip}`,
          taken: byRouterIp.has(ip),
          error: () => registryErrors.make('REGISTRY_ROUTER_IP_TAKEN', `routerIps[${i}] ${ip} is already used by another port`, { field: `routerIps[${i}]` }),
        })),
        ...v.macAddresses.map((m, i) => ({
          tag: `mac:${m}`,
          taken: byMac.has(m),
          error: () => registryErrors.make('REGISTRY_MAC_TAKEN', `macAddresses[${i}] ${m} is already mapped to another port`, { field: `macAddresses[${i}]` }),
        })),
        ...v.flowSources.map((f, i) => ({
          tag: `flow:${flowKey(f.exporter, f.ifIndex)}`,
          taken: byFlow.has(flowKey(f.exporter, f.ifIndex)),
          error: () =>
            registryErrors.make('REGISTRY_FLOW_SOURCE_TAKEN', `flowSources[${i}] ${f.exporter} ifIndex ${f.ifIndex} is already mapped to another port`, {
              field: `flowSources[${i}]`,
            }),
        })),
      ]);
      try {
        const port: Port = { id: ids.next('port'), ...v, createdAt: clock.now() };
        const event = await repo.insertPort(port, {
          type: 'PortCreated',
          actor,
          topic: 'registry',
          visibility: [port.memberId],
          payload: port,
        });
        indexPort(port);
        created.inc({ kind: 'port' });
        return { port, event };
      } finally {
        release();
      }
    },

    async createKey(input, actor) {
      if (input.memberId !== null && !members.has(input.memberId)) {
        throw registryErrors.make('REGISTRY_MEMBER_NOT_FOUND', `member ${input.memberId} does not exist`, { field: 'memberId' });
      }
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const k = await newKey(input.memberId, input.label ?? '', token, actor);
      return { key: publicKey(k), token };
    },

    async createAgentKey(input, actor) {
      if (!members.has(input.providerMemberId)) {
        throw registryErrors.make('REGISTRY_MEMBER_NOT_FOUND', `provider: member ${input.providerMemberId} does not exist`, { field: 'provider' });
      }
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const k = await newKey(input.providerMemberId, input.label ?? `probe agent ${input.agentId}`, token, actor, input.agentId);
      return { key: publicKey(k), token };
    },
    listAgentKeys: (agentId) => [...keys.values()].filter((k) => k.agentId === agentId).map(publicKey),

    async revokeKey(id, actor) {
      const k = keys.get(id);
      if (!k) throw registryErrors.make('REGISTRY_KEY_NOT_FOUND', `no API key ${id}`);
      if (k.revokedAt !== null) throw registryErrors.make('REGISTRY_KEY_REVOKED', `API key ${id} is already revoked`);
      const at = clock.now();
      await repo.revokeKey(id, at, {
        type: 'ApiKeyRevoked',
        actor,
        topic: 'registry',
        visibility: k.memberId === null ? [] : [k.memberId],
        payload: { id, memberId: k.memberId, revokedAt: at },
      });
      k.revokedAt = at;
      return publicKey(k);
    },

    getKey: (id) => {
      const k = keys.get(id);
      return k ? publicKey(k) : undefined;
    },
    // Agent keys carry their provider as memberId but are listed per agent (listAgentKeys).
    listKeys: (memberId) => [...keys.values()].filter((k) => k.memberId === memberId && k.role !== 'agent').map(publicKey),

    authenticate(token) {
      const k = keyByHash.get(hashToken(token));
      if (!k || k.revokedAt !== null) return undefined;
      if (k.role === 'admin') return { kind: 'admin', keyId: k.id };
      if (k.memberId === null || !members.has(k.memberId)) return undefined;
      if (k.role === 'agent') return k.agentId === null ? undefined : { kind: 'agent', agentId: k.agentId, providerMemberId: k.memberId, keyId: k.id };
      return { kind: 'member', memberId: k.memberId, keyId: k.id };
    },

    async ensureAdminToken(token, actor) {
      const k = keyByHash.get(hashToken(token));
      if (k && k.role === 'admin' && k.revokedAt === null) return;
      if (k && k.revokedAt !== null) {
        throw registryErrors.make('REGISTRY_KEY_REVOKED', `the admin token given at start is key ${k.id}, which was revoked; choose a new token`);
      }
      if (k) throw registryErrors.make('REGISTRY_KEY_REVOKED', `the admin token given at start is the ${k.role} key ${k.id}; choose another token`);
      await newKey(null, 'bootstrap', token, actor);
    },
    hasAdminKey: () => [...keys.values()].some((k) => k.role === 'admin' && k.revokedAt === null),
  };
  return registry;
}
