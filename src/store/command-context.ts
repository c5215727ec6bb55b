/**
 * A command's context: the API's Idempotency-Key handling runs a request's handler inside
 * `runInCommandContext({ idempotency }, fn)`, and every journal append made from that async
 * context writes the key's record in the same transaction as its events (see journal.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The Idempotency-Key of the request a command belongs to (table idempotency_keys). */
export interface IdempotencyRecord {
  principal: string;
  key: string;
  method: string;
  url: string;
  bodyHash: string;
  createdAt: number;
}

export interface CommandContext {
  idempotency: IdempotencyRecord;
}

/** `status` of a record written with its command, before the answer is stored. */
export const IDEMPOTENCY_PENDING = 0;

export const commandContext = new AsyncLocalStorage<CommandContext>();

/** Runs `fn`; appends made from its async context carry `ctx` into their transaction. */
export function runInCommandContext<T>(ctx: CommandContext, fn: () => T): T {
  return commandContext.run(ctx, fn);
}
