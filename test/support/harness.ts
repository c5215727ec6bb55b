/**
 * Black-box harness: `describeStores(name, (env) => { … })` runs the block once on SQLite (temp
 * dir) and once on PostgreSQL (fresh database, dropped after). `env` is filled in beforeAll with
 * an app built through src/app.ts with a ManualClock, an admin key and two member keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { buildApp, type App, type BuildAppOptions } from '../../src/app.ts';
import { makeConfig, type ConfigInput } from '../../src/config.ts';
import { ManualClock, createReporter, randomIds } from '../../src/lib/index.ts';
import type { StoreConfig } from '../../src/store/index.ts';
import { createTempDatabase, type TempDatabase } from './postgres.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Caller {
  id: string;
  token: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked by the caller
export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

export interface TestEnv {
  dialect: DialectName;
  app: App;
  clock: ManualClock;
  storeConfig: StoreConfig;
  adminToken: string;
  alice: Caller;
  bob: Caller;
  /** JSON request through inject(); token defaults to the admin's, `null` sends none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked by the caller
  call<T = any>(method: string, url: string, opts?: CallOptions): Promise<CallResult<T>>;
  /** Closes the app and builds a new one on the same database (a restart). */
  restart(): Promise<void>;
  /** A name unique within the run (member/port names must be unique). */
  unique(base: string): string;
}

export interface HarnessOptions {
  config?: ConfigInput;
  /** Start time of the ManualClock. */
  start?: string;
  /** Skip creating the two members. */
  noMembers?: boolean;
}

const ADMIN = 'bdx_test_admin_token_0123456789abcdef';
let counter = 0;

export function describeStores(name: string, body: (env: TestEnv) => void, opts: HarnessOptions = {}): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe(`${name} [${dialect}]`, () => {
      const env = { dialect } as TestEnv;
      let dir: string | undefined;
      let pgdb: TempDatabase | undefined;
      beforeAll(async () => {
        let storeConfig: StoreConfig;
        if (dialect === 'sqlite') {
          dir = mkdtempSync(join(tmpdir(), 'bandex-test-'));
          storeConfig = { kind: 'sqlite', path: join(dir, 'bandex.sqlite'), synchronous: 'normal' };
        } else {
          pgdb = await createTempDatabase();
          storeConfig = { kind: 'postgres', url: pgdb.url, poolSize: 4 };
        }
        const clock = new ManualClock(opts.start ?? '2026-11-01T00:00:00Z');
        const build = async () => {
          const o: BuildAppOptions = {
            config: makeConfig(opts.config ?? {}),
            clock,
            ids: randomIds(clock),
            reporter: createReporter({ destination: false }),
            store: storeConfig,
          };
          const app = await buildApp(o);
          await app.services.registry.ensureAdminToken(ADMIN, 'test');
          return app;
        };
        Object.assign(env, {
          app: await build(),
          clock,
          storeConfig,
          adminToken: ADMIN,
          unique: (base: string) => `${base}-${++counter}-${Math.random().toString(36).slice(2, 7)}`,
          async call(method: string, url: string, o: CallOptions = {}): Promise<CallResult> {
            const token = o.token === undefined ? ADMIN : o.token;
            const qs = o.query ? '?' + new URLSearchParams(Object.entries(o.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : '';
            const res = await env.app.fastify.inject({
              method: method as 'GET',
              url: url + qs,
              headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(o.headers ?? {}) },
              ...(o.body === undefined ? {} : { payload: o.body as object }),
            });
            let parsed: unknown = res.body;
            try {
              parsed = JSON.parse(res.body);
            } catch {
              // not JSON (metrics, docs)
            }
            // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked by the caller
            return { status: res.statusCode, body: parsed as any, headers: res.headers as Record<string, unknown> };
          },
          async restart() {
            await env.app.close();
            env.app = await build();
          },
        } satisfies Partial<TestEnv>);
        if (!opts.noMembers) {
          for (const who of ['alice', 'bob'] as const) {
            const m = await env.call('POST', '/v1/members', { body: { name: env.unique(who), asns: [64500 + ++counter * 7] } });
            if (m.status !== 201) throw new Error(`harness: member create failed ${JSON.stringify(m.body)}`);
            const k = await env.call('POST', `/v1/members/${m.body.id}/keys`, { body: { label: 'test' } });
            env[who] = { id: m.body.id, token: k.body.token };
          }
        }
      });
      afterAll(async () => {
        await env.app?.close();
        await pgdb?.drop();
        if (dir) rmSync(dir, { recursive: true, force: true });
      });
      body(env);
    });
  }
}
