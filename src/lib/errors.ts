/**
 * Typed errors with stable codes.
 *
 * Every domain declares its codes once, in its own `errors.ts`, with `defineErrors()`. A code
 * carries a semantic `kind`; only the HTTP layer (src/api) turns kinds into status codes, so
 * domains never think in HTTP. docs/errors.md is generated from these tables
 * (`npm run docs:errors`) and a test keeps it in step.
 */

export type ErrorKind =
  | 'invalid' // the input breaks a rule (400)
  | 'unauthenticated' // no or bad credentials (401)
  | 'forbidden' // authenticated but not allowed (403)
  | 'not_found' // nothing there, or not yours to see (404)
  | 'conflict' // the state forbids it right now (409)
  | 'limit' // a quota or rate was exceeded (429)
  | 'unavailable' // a dependency is down or the service is stopping (503)
  | 'internal'; // a bug: never expected (500)

export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** One sentence for docs/errors.md: when the code is returned and what to do about it. */
  readonly description: string;
}

export interface ErrorOptions {
  /** The input field at fault, as a JSON path (`routerIps[1]`, `asns`). */
  field?: string;
  /** Machine-readable extra facts (limits, the offending value). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Kinds whose errors capture a stack trace (see the constructor). */
const STACKED_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['internal', 'unavailable']);

export class BandexError extends Error {
  override readonly name = 'BandexError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, kind: ErrorKind, message: string, opts: ErrorOptions = {}) {
    // An error that answers the caller (a bad field, a missing key, a conflict) needs no stack:
    // it is not a bug, nobody reads where it was thrown, and capturing the frames was most of
    // its cost (about 7 µs of a refused HTTP order, 10× the rest of the error). Internal and
    // unavailable errors, the ones that get logged, keep their stack.
    const limit = Error.stackTraceLimit;
    if (!STACKED_KINDS.has(kind)) Error.stackTraceLimit = 0;
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    Error.stackTraceLimit = limit;
    this.code = code;
    this.kind = kind;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.details !== undefined) this.details = opts.details;
  }

  toJSON(): { code: string; message: string; field?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export interface ErrorTable<C extends string> {
  readonly domain: string;
  readonly specs: Readonly<Record<C, ErrorSpec>>;
  /** Builds the error for `code`; the message should name the field and the rule broken. */
  make(code: C, message: string, opts?: ErrorOptions): BandexError;
  /** True when `e` is one of this table's errors (optionally a given code). */
  is(e: unknown, code?: C): e is BandexError;
}

const tables: ErrorTable<string>[] = [];

export function defineErrors<C extends string>(domain: string, specs: Record<C, ErrorSpec>): ErrorTable<C> {
  const table: ErrorTable<C> = {
    domain,
    specs,
    make(code, message, opts) {
      const spec = specs[code];
      return new BandexError(code, spec.kind, message, opts);
    },
    is(e, code): e is BandexError {
      return e instanceof BandexError && e.code in specs && (code === undefined || e.code === code);
    },
  };
  tables.push(table as unknown as ErrorTable<string>);
  return table;
}

/** All tables defined so far (the ones whose modules were imported); used to write docs/errors.md. */
export function errorTables(): readonly ErrorTable<string>[] {
  return tables;
}

/** Codes shared by every layer: generic validation and plumbing. */
export const commonErrors = defineErrors('common', {
  VALIDATION_FAILED: { kind: 'invalid', description: 'A field breaks its schema (type, range, length, format); `field` names it.' },
  UNKNOWN_FIELD: { kind: 'invalid', description: 'The body carries a field the endpoint does not know; `field` names it.' },
  INTERNAL: { kind: 'internal', description: 'An unexpected failure; it was logged and counted. Retry later and report it if it persists.' },
  SHUTTING_DOWN: { kind: 'unavailable', description: 'The server is stopping and takes no new work; retry against another node or after restart.' },
});

export function invalid(field: string, message: string, details?: Record<string, unknown>): BandexError {
  return commonErrors.make('VALIDATION_FAILED', message, { field, ...(details ? { details } : {}) });
}
