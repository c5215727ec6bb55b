/**
 * The one place where error kinds become HTTP statuses, and every failure becomes the body
 * `{ "error": { "code", "message", "field"? } }`.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { BandexError, commonErrors, type ErrorKind, type Reporter } from '../lib/index.ts';
import { apiErrors } from './errors.ts';

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  limit: 429,
  unavailable: 503,
  internal: 500,
};

/** Codes whose HTTP status is more specific than their kind's. */
const STATUS_OF_CODE: Record<string, number> = { BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415 };

/** The HTTP status an error code of the given kind is answered with (also printed in docs/errors.md). */
export function httpStatus(code: string, kind: ErrorKind): number {
  return STATUS_OF_CODE[code] ?? STATUS_OF_KIND[kind];
}

export function statusOf(e: BandexError): number {
  return httpStatus(e.code, e.kind);
}

/** Turns anything thrown into a BandexError (framework errors get stable codes). */
export function toBandexError(err: unknown): BandexError {
  if (err instanceof BandexError) return err;
  const fe = err as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiErrors.make('BODY_NOT_JSON', `body: ${fe.message ?? 'not valid JSON'}`, { field: 'body' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiErrors.make('BODY_TOO_LARGE', 'body: larger than the configured limit', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiErrors.make('UNSUPPORTED_MEDIA_TYPE', 'body: send application/json', { field: 'body' });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return commonErrors.make('VALIDATION_FAILED', fe.message ?? 'bad request');
  }
  return commonErrors.make('INTERNAL', 'internal error; it was logged', { cause: err });
}

export function errorBody(e: BandexError): { error: { code: string; message: string; field?: string; details?: Record<string, unknown> } } {
  return { error: e.toJSON() };
}

export function installErrorHandling(app: FastifyInstance, reporter: Reporter): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toBandexError(err);
    if (e.kind === 'internal') reporter.error('api', e.code, err, { url: req.url, method: req.method });
    void reply.code(statusOf(e)).type('application/json').send(errorBody(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = apiErrors.make('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.code(404).send(errorBody(e));
  });
}
