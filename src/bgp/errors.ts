/**
 * Errors of the BGP library. The codec throws only `BgpDecodeError`; it carries the NOTIFICATION
 * code/subcode/data that RFC 4271 §6 assigns to the fault and the RFC 7606 reaction to take.
 * API misuse (unknown peer, bad prefix) throws `BgpError` with a stable code.
 */

/** RFC 7606 §2: the reactions to a malformed UPDATE, plus the classic session reset. */
export type ErrorAction = 'session-reset' | 'treat-as-withdraw' | 'attribute-discard' | 'afi-safi-disable';

export class BgpDecodeError extends Error {
  override readonly name = 'BgpDecodeError';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  readonly action: ErrorAction;

  constructor(message: string, code: number, subcode: number, data: Uint8Array = new Uint8Array(0), action: ErrorAction = 'session-reset') {
    super(message);
    this.code = code;
    this.subcode = subcode;
    this.data = data;
    this.action = action;
  }
}

export const BGP_ERROR_CODES = {
  BGP_PEER_NOT_FOUND: 'no peer with that address is configured',
  BGP_PEER_EXISTS: 'a peer with that address is already configured',
  BGP_INVALID_CONFIG: 'a configuration field breaks a rule (named in the message)',
  BGP_INVALID_PREFIX: 'a prefix is not canonical CIDR (address/length with host bits zero)',
  BGP_INVALID_ROUTE: 'a route to announce lacks a usable attribute (named in the message)',
  BGP_NOT_RUNNING: 'the speaker is not started',
} as const;

export type BgpErrorCode = keyof typeof BGP_ERROR_CODES;

export class BgpError extends Error {
  override readonly name = 'BgpError';
  readonly code: BgpErrorCode;
  readonly field?: string;
  constructor(code: BgpErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}
