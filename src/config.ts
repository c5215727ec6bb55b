/**
 * Configuration: defaults < file (`--config FILE`, JSON) < environment (`BANDEX_*`) < flags.
 *
 * One section per area; a section is its defaults object, and the defaults define the schema:
 * every key must exist in the defaults and carry the same JSON type, so a typo in a file, an
 * env name or `--set` is refused with the path at fault instead of being ignored.
 * Environment: `BANDEX_<SECTION>_<KEY>` in upper snake case (`BANDEX_API_OPEN_METRICS=true`,
 * `BANDEX_MARKET_TICK_MS=5`), plus the short forms in `ENV_SHORTCUTS`. Unknown `BANDEX_*` names
 * are refused too, except the CLI client's own (`BANDEX_URL`, `BANDEX_TOKEN`).
 * An area adds its section at the marked place below (docs/extending.md); range checks beyond
 * the type belong to the area's factory, which throws CONFIG_INVALID.
 */
import { readFileSync } from 'node:fs';
import { defineErrors } from './lib/index.ts';
import { qualityConfigDefaults } from './quality/config.ts';
import { bgpConfigDefaults } from './arbiter/config.ts';
import { marketConfigDefaults } from './market/config.ts';
import { flowConfigDefaults, meteringConfigDefaults } from './metering/config.ts';
// @bandex:config-imports — areas add `import { marketConfigDefaults } from './market/config.ts';` above this line

export const configErrors = defineErrors('config', {
  CONFIG_INVALID: { kind: 'invalid', description: 'A configuration value (file, BANDEX_* environment or flag) is unknown or has the wrong type; the message names the path.' },
});

export const serverDefaults = {
  /** HOST:PORT for HTTP; `[::1]:8080` for IPv6. */
  listen: '127.0.0.1:8080',
  /** Directory of the embedded SQLite database (`bandex.sqlite` inside). */
  dataDir: './data',
  /** `postgres://…` to use PostgreSQL instead of SQLite; empty for SQLite. */
  database: '',
  /** Bootstrap admin token; empty: the first start creates an admin key and prints it once. */
  adminToken: '',
  /** Grace period for in-flight requests on SIGINT/SIGTERM, ms. */
  shutdownTimeoutMs: 10_000,
  logLevel: 'info',
};

export const storeDefaults = {
  /**
   * SQLite fsync policy: `pipelined` (durable on power loss; the WAL is fsynced off the event
   * loop before acknowledging), `full` (durable on power loss; fsync inside each commit, on the
   * loop) or `normal` (durable on process crash only).
   */
  sqliteSynchronous: 'pipelined',
  postgresPoolSize: 10,
  /** One transaction per event-loop turn; false = one per command (slower, for comparison). */
  groupCommit: true,
  maxBatch: 5000,
  /**
   * SQLite files: commit the market's groups on a writer thread with its own connection, off the
   * event loop (src/store/sqlite-writer.ts); false commits everything on the main connection.
   */
  sqliteWriterThread: true,
};

export const apiDefaults = {
  /** Serve /metrics without a key (for a Prometheus on a trusted network); otherwise admin only. */
  openMetrics: false,
  bodyLimitBytes: 1_048_576,
  defaultPageLimit: 50,
  maxPageLimit: 500,
  /** How long an Idempotency-Key is remembered, hours. */
  idempotencyTtlHours: 24,
  /** One `info` log line per request (method, route, status, ms). Off: errors are logged anyway. */
  accessLog: false,
};

export const configSections = {
  server: serverDefaults,
  store: storeDefaults,
  api: apiDefaults,
  quality: qualityConfigDefaults,
  bgp: bgpConfigDefaults,
  market: marketConfigDefaults,
  metering: meteringConfigDefaults,
  flow: flowConfigDefaults,
  // @bandex:config-sections — areas add `market: marketConfigDefaults,` above this line
};

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends readonly (infer U)[] ? Widen<U>[] : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;
export type BandexConfig = Widen<typeof configSections>;

/** A deep partial used for file contents and overrides. */
export type ConfigInput = { [S in keyof BandexConfig]?: Partial<BandexConfig[S]> };

export const ENV_SHORTCUTS: Record<string, string> = {
  BANDEX_LISTEN: 'server.listen',
  BANDEX_DATA_DIR: 'server.dataDir',
  BANDEX_DATABASE: 'server.database',
  BANDEX_ADMIN_TOKEN: 'server.adminToken',
  BANDEX_LOG_LEVEL: 'server.logLevel',
};
const ENV_IGNORED = new Set(['BANDEX_URL', 'BANDEX_TOKEN', 'BANDEX_CONFIG']);

function fail(path: string, msg: string): never {
  throw configErrors.make('CONFIG_INVALID', `${path}: ${msg}`, { field: path });
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `over` into `base`, refusing unknown keys and type changes. */
function merge(base: Record<string, unknown>, over: unknown, path: string): Record<string, unknown> {
  if (!isObj(over)) fail(path || '(root)', `must be an object, got ${kindOf(over)}`);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in base)) fail(p, `unknown key (known: ${Object.keys(base).join(', ')})`);
    const d = base[k];
    if (isObj(d)) out[k] = merge(d, v, p);
    else if (kindOf(d) !== kindOf(v)) fail(p, `must be ${kindOf(d)}, got ${kindOf(v)}`);
    else out[k] = v;
  }
  return out;
}

/** Parses a text value (env or flag) into the type of the default at `path`. */
function parseScalar(path: string, text: string): unknown {
  const [section, ...rest] = path.split('.');
  let d: unknown = (configSections as Record<string, unknown>)[section ?? ''];
  for (const k of rest) d = isObj(d) && k in d ? d[k] : undefined;
  if (d === undefined || isObj(d)) fail(path, 'unknown setting');
  switch (kindOf(d)) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) fail(path, `must be a number, got "${text}"`);
      return n;
    }
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return fail(path, `must be true or false, got "${text}"`);
    case 'array':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return fail(path, 'must be a JSON array');
      }
    default:
      return text;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1] as string] = value;
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export function envToConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const byEnv = new Map<string, string>();
  for (const [section, defaults] of Object.entries(configSections)) {
    for (const key of Object.keys(defaults)) byEnv.set(`BANDEX_${snake(section)}_${snake(key)}`, `${section}.${key}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('BANDEX_') || value === undefined || ENV_IGNORED.has(name)) continue;
    const path = ENV_SHORTCUTS[name] ?? byEnv.get(name);
    if (!path) fail(name, 'unknown BANDEX_* environment variable');
    setPath(out, path, parseScalar(path, value));
  }
  return out;
}

export interface LoadConfigOptions {
  /** Path of a JSON config file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Already-structured overrides from flags (highest precedence). */
  flags?: ConfigInput;
  /** `section.key=value` strings (from `--set`), applied with the flags. */
  set?: readonly string[];
}

export function loadConfig(opts: LoadConfigOptions = {}): BandexConfig {
  let cfg = configSections as unknown as Record<string, unknown>;
  if (opts.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (e) {
      fail(opts.file, `cannot read the JSON config file: ${(e as Error).message}`);
    }
    cfg = merge(cfg, parsed, '');
  }
  cfg = merge(cfg, envToConfig(opts.env ?? {}), '');
  if (opts.flags) cfg = merge(cfg, opts.flags, '');
  const sets: Record<string, unknown> = {};
  for (const s of opts.set ?? []) {
    const i = s.indexOf('=');
    if (i < 1) fail(s, 'a --set value must look like section.key=value');
    setPath(sets, s.slice(0, i), parseScalar(s.slice(0, i), s.slice(i + 1)));
  }
  cfg = merge(cfg, sets, '');
  return cfg as unknown as BandexConfig;
}

/** Defaults with overrides, for tests and embedding (same checks as loadConfig). */
export function makeConfig(over: ConfigInput = {}): BandexConfig {
  return merge(configSections as unknown as Record<string, unknown>, over, '') as unknown as BandexConfig;
}

/** Parses `HOST:PORT` / `[v6]:PORT`. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) fail('server.listen', `must be HOST:PORT or [IPv6]:PORT, got "${s}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}
