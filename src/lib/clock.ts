/**
 * Time comes in through a Clock so that matching, auctions and billing replay exactly and tests
 * never sleep. Times are UTC epoch milliseconds inside; ISO 8601 at the edges.
 */

export interface Clock {
  /** Milliseconds since the epoch (UTC). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for tests and journal replay. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: number | string = 0) {
    this.t = typeof start === 'string' ? Date.parse(start) : start;
  }
  now(): number {
    return this.t;
  }
  set(t: number | string): void {
    this.t = typeof t === 'string' ? Date.parse(t) : t;
  }
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses an ISO 8601 timestamp with an explicit zone; returns NaN when it is not one. */
export function parseIso(s: string): number {
  // Date.parse accepts many loose forms; insist on a date, a time and a zone so "2026-12-01"
  // (which JS reads as UTC but a person may mean local) is refused rather than guessed.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return NaN;
  return Date.parse(s);
}
