/**
 * Market error codes. Every validation error names the offending field (`field`) and the rule;
 * a refused command changes nothing in the books.
 */
import { defineErrors } from '../lib/index.ts';

export const marketErrors = defineErrors('market', {
  MARKET_INVALID_ORDER: {
    kind: 'invalid',
    description: 'An order field breaks its rule (type, range, multiple of the minimum block, period); `field` names it.',
  },
  MARKET_PORT_UNKNOWN: {
    kind: 'invalid',
    description: 'The order names a port that does not exist or does not belong to the member; use one of your ports.',
  },
  MARKET_CAPACITY_EXCEEDS_PORT: {
    kind: 'invalid',
    description: 'The order asks for more Mbps than the port can ever carry; lower `capacityMbps` or use a larger port.',
  },
  MARKET_ORDER_NOT_FOUND: {
    kind: 'not_found',
    description: 'No order with this id belongs to you.',
  },
  MARKET_ORDER_CLOSED: {
    kind: 'conflict',
    description: 'The order is already filled, cancelled or expired; it can no longer be cancelled or amended.',
  },
  MARKET_CLIENT_ORDER_ID_REUSED: {
    kind: 'conflict',
    description: 'The client order id was already used by you for a different order; a retry must repeat the same order.',
  },
  MARKET_AMEND_INVALID: {
    kind: 'invalid',
    description: 'The amendment is not allowed (capacity below what is already sold, not a multiple of the block, nothing to change); `field` names it.',
  },
  MARKET_TRADE_NOT_FOUND: {
    kind: 'not_found',
    description: 'No trade with this id is visible to you.',
  },
  MARKET_TRADE_CLOSED: {
    kind: 'conflict',
    description: 'The trade has already ended or was cancelled.',
  },
});

export type MarketErrorCode = keyof typeof marketErrors.specs;
