import { defineErrors } from '../lib/index.ts';

export const apiErrors = defineErrors('api', {
  AUTH_REQUIRED: { kind: 'unauthenticated', description: 'No `Authorization: Bearer <key>` header (or `?token=` on the stream); send an API key.' },
  AUTH_INVALID: { kind: 'unauthenticated', description: 'The bearer key is unknown or revoked; ask the exchange (or your admin) for a new key.' },
  FORBIDDEN: { kind: 'forbidden', description: 'The key is valid but its role may not do this (e.g. a member key on an admin route).' },
  NOT_FOUND: { kind: 'not_found', description: 'No such route or object (objects of other members answer this too, so their existence does not leak).' },
  IDEMPOTENCY_KEY_REUSED: { kind: 'conflict', description: 'The Idempotency-Key was already used by you for a different request (method, path or body); use a new key.' },
  IDEMPOTENCY_ANSWER_LOST: {
    kind: 'conflict',
    description: 'The request with this Idempotency-Key was committed, but the server stopped before storing its answer; it was not run again. Read the result with a GET (details.seqs names the journal events).',
  },
  IDEMPOTENCY_KEY_INVALID: { kind: 'invalid', description: 'The Idempotency-Key header must be 1–200 visible ASCII characters.' },
  BODY_NOT_JSON: { kind: 'invalid', description: 'The request body is not valid JSON (or is empty while Content-Type says JSON).' },
  BODY_TOO_LARGE: { kind: 'invalid', description: 'The request body exceeds api.bodyLimitBytes (HTTP 413).' },
  UNSUPPORTED_MEDIA_TYPE: { kind: 'invalid', description: 'The body must be sent as application/json (HTTP 415).' },
});
