/**
 * Bearer API keys → a principal on every request (except routes marked `config: { public: true }`
 * and the OpenAPI pages). Helpers for route handlers: `requireAdmin`, `requireMember`,
 * `requireAgent`, and `assertOwner`, which answers NOT FOUND (not 403) for another member's object
 * so that a member cannot probe which ids exist.
 *
 * Principals: admin, member, and agent (a probe agent's key, scoped to one agent in one provider's
 * network). An agent key is refused with 403 on every route except those marked
 * `config: { agents: true }` (the probe-agent routes and /v1/me): least privilege by default, so
 * a route written for admins and members never sees an agent.
 *
 * Hot path: a token that authenticated once is remembered (token → principal, up to
 * AUTH_CACHE_MAX entries), so a repeat call skips the SHA-256 and the hex string. Every hit is
 * re-checked against the registry's memory — the key is still there and not revoked, its member
 * still exists — so a revocation takes effect on the very next request, exactly as without the
 * cache. Only tokens that authenticated are remembered: unknown tokens cannot fill it.
 *
 * The hook is callback-style (not async): one promise and one microtask less per request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BandexError } from '../lib/index.ts';
import type { Principal, RegistryReader } from '../registry/index.ts';
import { apiErrors } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No API key needed (health checks). */
    public?: boolean;
    /** Accept the key as `?token=` too (WebSocket clients in browsers cannot set headers). */
    queryToken?: boolean;
    /** Probe-agent keys may call this route (all others refuse them with 403). */
    agents?: boolean;
  }
}

export interface Authenticator {
  authenticate(token: string): Principal | undefined;
  /** With both look-ups below, verified tokens are cached (see the note at the top). */
  getKey?(id: string): { revokedAt: number | null } | undefined;
  getMember?(id: string): unknown;
}

/** Most remembered tokens; when full, the cache starts over (it only saves a hash). */
export const AUTH_CACHE_MAX = 10_000;

/**
 * `authenticate` with the verified-token cache in front. A hit is answered only if the registry
 * still holds the key unrevoked (and its member): the same checks `authenticate` makes, minus
 * the hash that found the key.
 */
export function cachedAuthenticator(auth: Authenticator, max = AUTH_CACHE_MAX): (token: string) => Principal | undefined {
  const { getKey, getMember } = auth;
  if (!getKey || !getMember) return (token) => auth.authenticate(token);
  const verified = new Map<string, Principal>();
  return (token) => {
    const hit = verified.get(token);
    if (hit !== undefined) {
      const k = getKey.call(auth, hit.keyId);
      const memberId = hit.kind === 'admin' ? null : hit.kind === 'member' ? hit.memberId : hit.providerMemberId;
      if (k !== undefined && k.revokedAt === null && (memberId === null || getMember.call(auth, memberId) !== undefined)) return hit;
      verified.delete(token);
    }
    const p = auth.authenticate(token);
    if (p !== undefined) {
      if (verified.size >= max) verified.clear();
      verified.set(token, p);
    }
    return p;
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function installAuth(app: FastifyInstance, auth: Authenticator): void {
  const authenticate = cachedAuthenticator(auth);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', (req, _reply, done) => {
    const cfg = req.routeOptions.config;
    if (cfg?.public || req.url === '/docs' || req.url.startsWith('/docs/')) return done();
    const header = req.headers.authorization;
    let token: string | undefined;
    if (header !== undefined) {
      const m = BEARER.exec(header);
      if (!m) return done(apiErrors.make('AUTH_INVALID', 'Authorization must be "Bearer <key>"'));
      token = m[1];
    } else if (cfg?.queryToken) {
      const q = req.query as Record<string, unknown> | undefined;
      if (typeof q?.token === 'string') token = q.token;
    }
    if (token === undefined) return done(apiErrors.make('AUTH_REQUIRED', 'an API key is required: send Authorization: Bearer <key>'));
    const p = authenticate(token);
    if (!p) return done(apiErrors.make('AUTH_INVALID', 'the API key is unknown or revoked'));
    req.principal = p;
    if (p.kind === 'agent' && !cfg?.agents) return done(apiErrors.make('FORBIDDEN', 'a probe-agent key may only lease probe jobs, report results and file measurements'));
    done();
  });
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw apiErrors.make('AUTH_REQUIRED', 'an API key is required');
  return req.principal;
}

export function requireAdmin(req: FastifyRequest): void {
  if (principalOf(req).kind !== 'admin') throw apiErrors.make('FORBIDDEN', 'this needs an admin key');
}

/** The caller's agent and its provider; admins and members are refused. */
export function requireAgent(req: FastifyRequest): { agentId: string; providerMemberId: string } {
  const p = principalOf(req);
  if (p.kind !== 'agent') throw apiErrors.make('FORBIDDEN', 'this needs a probe-agent key');
  return { agentId: p.agentId, providerMemberId: p.providerMemberId };
}

/** The caller's member id; admins are refused (use it on routes that act as a member). */
export function requireMember(req: FastifyRequest): string {
  const p = principalOf(req);
  if (p.kind !== 'member') throw apiErrors.make('FORBIDDEN', 'this needs a member key');
  return p.memberId;
}

/** null for admin (sees everything), else the caller's member id (agents are refused). */
export function viewerOf(req: FastifyRequest): string | null {
  const p = principalOf(req);
  if (p.kind === 'agent') throw apiErrors.make('FORBIDDEN', 'a probe-agent key may not read this');
  return p.kind === 'admin' ? null : p.memberId;
}

/**
 * Passes for an admin or the owning member; otherwise throws `notFound` (the same error as for
 * an id that does not exist). Pass the object's owner, or undefined when the object is missing.
 */
export function assertOwner(req: FastifyRequest, ownerMemberId: string | undefined, notFound: () => BandexError): void {
  if (ownerMemberId === undefined) throw notFound();
  const viewer = viewerOf(req);
  if (viewer !== null && viewer !== ownerMemberId) throw notFound();
}

/** The journal `actor` of a request: `admin:<keyId>`, `member:<memberId>` or `agent:<agentId>`. */
export function actorOf(req: FastifyRequest): string {
  const p = principalOf(req);
  return p.kind === 'admin' ? `admin:${p.keyId}` : p.kind === 'agent' ? `agent:${p.agentId}` : `member:${p.memberId}`;
}

export type { RegistryReader };
