/**
 * The HTTP client every API command uses: `--url`/BANDEX_URL (default http://127.0.0.1:8080),
 * `--token`/BANDEX_TOKEN, `--json` for machine output. A failure prints ONE line
 * `error: CODE: message (field: f)` on stderr and exits non-zero (1 for an API answer, 2 when the
 * server cannot be reached).
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';

export interface GlobalOptions {
  url: string;
  token: string | undefined;
  json: boolean;
}

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ url?: string; token?: string; json?: boolean }>();
  return {
    url: (o.url ?? process.env.BANDEX_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    token: o.token ?? process.env.BANDEX_TOKEN,
    json: Boolean(o.json),
  };
}

export class ApiClient {
  constructor(private readonly opts: GlobalOptions) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked by the caller
  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Every POST carries an Idempotency-Key so the client's own retry cannot apply it twice.
    if (method === 'POST') headers['idempotency-key'] = randomUUID();
    let res: Response;
    try {
      res = await fetch(this.opts.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (e as Error).message;
      throw new CliError('UNREACHABLE', `cannot reach ${this.opts.url} (${cause})`, 2);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // plain text answer (metrics)
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      throw new CliError(err?.code ?? `HTTP_${res.status}`, err?.message ?? `HTTP ${res.status}`, 1, err?.field);
    }
    return parsed as T;
  }

  /** Follows `next` cursors until the list ends. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked by the caller
  async all<T = any>(path: string): Promise<T[]> {
    const out: T[] = [];
    let after: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page: { items: T[]; next: string | null } = await this.request('GET', `${path}${sep}limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      out.push(...page.items);
      after = page.next;
    } while (after);
    return out;
  }
}

/** Runs a command action with one-line error reporting. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof CliError) {
        process.stderr.write(`error: ${e.code}: ${e.message}${e.field ? ` (field: ${e.field})` : ''}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      const be = e as { code?: string; message?: string };
      process.stderr.write(`error: ${typeof be.code === 'string' ? be.code : 'INTERNAL'}: ${be.message ?? String(e)}\n`);
      process.exitCode = 1;
    }
  };
}
