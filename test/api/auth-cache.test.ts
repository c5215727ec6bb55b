/**
 * The verified-token cache in front of the registry (src/api/auth.ts): a repeat call skips the
 * registry's hash, yet a revoked key is refused on the very next request, unknown tokens are
 * never remembered, and the cache stays bounded. The registry is the real one, counted.
 */
import { expect, it } from 'vitest';
import { AUTH_CACHE_MAX, cachedAuthenticator, type Authenticator } from '../../src/api/auth.ts';
import { describeStores } from '../support/harness.ts';

describeStores('auth: verified-token cache', (env) => {
  const counted = () => {
    const registry = env.app.services.registry;
    const calls = { n: 0 };
    const auth: Authenticator = {
      authenticate: (t) => (calls.n++, registry.authenticate(t)),
      getKey: (id) => registry.getKey(id),
      getMember: (id) => registry.getMember(id),
    };
    return { calls, authenticate: cachedAuthenticator(auth) };
  };

  it('answers a repeat call from the cache and refuses a revoked key on the next call', async () => {
    const { calls, authenticate } = counted();
    const k = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { body: { label: 'cache' } });
    expect(authenticate(k.body.token)).toMatchObject({ kind: 'member', memberId: env.alice.id, keyId: k.body.key.id });
    expect(authenticate(k.body.token)).toMatchObject({ kind: 'member', memberId: env.alice.id });
    expect(calls.n).toBe(1);
    expect((await env.call('POST', `/v1/keys/${k.body.key.id}/revoke`)).status).toBe(200);
    expect(authenticate(k.body.token)).toBeUndefined();
    expect(authenticate(k.body.token)).toBeUndefined();
    expect(calls.n).toBe(3);
  });

  it('refuses a revoked key over HTTP right after it was used (the server-wide cache)', async () => {
    const k = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { body: { label: 'cache-http' } });
    for (let i = 0; i < 3; i++) expect((await env.call('GET', '/v1/me', { token: k.body.token })).status).toBe(200);
    expect((await env.call('POST', `/v1/keys/${k.body.key.id}/revoke`)).status).toBe(200);
    const after = await env.call('GET', '/v1/me', { token: k.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('AUTH_INVALID');
  });

  it('never remembers an unknown token', () => {
    const { calls, authenticate } = counted();
    for (let i = 0; i < 3; i++) expect(authenticate('bdx_not_a_key_0000000000000000000000000000000')).toBeUndefined();
    expect(calls.n).toBe(3);
  });

  it('stays bounded: when full it starts over, and every answer stays right', async () => {
    const registry = env.app.services.registry;
    const calls = { n: 0 };
    const authenticate = cachedAuthenticator(
      { authenticate: (t) => (calls.n++, registry.authenticate(t)), getKey: (id) => registry.getKey(id), getMember: (id) => registry.getMember(id) },
      2,
    );
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push((await env.call('POST', `/v1/members/${env.bob.id}/keys`, { body: { label: `bound-${i}` } })).body.token);
    authenticate(tokens[0]!);
    authenticate(tokens[1]!);
    authenticate(tokens[0]!);
    expect(calls.n).toBe(2); // both cached
    authenticate(tokens[2]!); // full: starts over with this one
    expect(calls.n).toBe(3);
    expect(authenticate(tokens[0]!)).toMatchObject({ kind: 'member', memberId: env.bob.id });
    expect(calls.n).toBe(4); // forgotten, verified again
    expect(authenticate(tokens[2]!)).toMatchObject({ kind: 'member', memberId: env.bob.id });
    expect(calls.n).toBe(4);
    expect(AUTH_CACHE_MAX).toBe(10_000);
  });
});
