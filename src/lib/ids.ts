/**
 * Id sources. Ids are injected (like the clock) so a replay produces the same ids.
 * Format: `<prefix>_<base32 time><base32 counter/random>`: sortable by creation, URL-safe.
 */
import { randomBytes } from 'node:crypto';

export interface IdSource {
  /** A new id such as `mem_01hx3k…`; `prefix` names the kind of object. */
  next(prefix: string): string;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(n: bigint, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = ALPHABET[Number(n & 31n)] + s;
    n >>= 5n;
  }
  return s;
}

/** Time-ordered random ids (ULID-like) from a clock. */
export function randomIds(clock: { now(): number }): IdSource {
  return {
    next(prefix) {
      const t = base32(BigInt(clock.now()), 10);
      const r = base32(BigInt('0x' + randomBytes(10).toString('hex')), 16);
      return `${prefix}_${t}${r}`;
    },
  };
}

/** Deterministic ids (`mem_000001`, …) for tests and replays. */
export function sequentialIds(start = 1): IdSource {
  let n = start;
  return {
    next(prefix) {
      return `${prefix}_${String(n++).padStart(6, '0')}`;
    },
  };
}
