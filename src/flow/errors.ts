/**
 * The flow codec's own error type. Decoders throw nothing else: a truncated, inconsistent or
 * unsupported datagram raises a FlowDecodeError with a stable code, and the collector counts it
 * per exporter and drops the datagram.
 */
export const FLOW_ERROR_CODES = {
  FLOW_TRUNCATED: 'the datagram ends before a header, set or record it announces',
  FLOW_BAD_VERSION: 'the version field is not 5, 9, 10 (NetFlow/IPFIX) or sFlow 5',
  FLOW_BAD_LENGTH: 'a length field is inconsistent with the datagram (RFC 7011 §3.1, §3.3.2; RFC 3954 §5.2)',
  FLOW_BAD_TEMPLATE: 'a template or options template record is malformed (RFC 7011 §3.4; RFC 3954 §5.2, §6.1)',
  FLOW_BAD_SET_ID: 'a set id is reserved (RFC 7011 §3.3.2: 4..255)',
  FLOW_BAD_SAMPLE: 'an sFlow sample or record is malformed (sFlow v5 §5)',
  FLOW_BAD_ADDRESS: 'an address type is neither IPv4 nor IPv6 (sFlow v5 address)',
} as const;

export type FlowErrorCode = keyof typeof FLOW_ERROR_CODES;

export class FlowDecodeError extends Error {
  readonly code: FlowErrorCode;
  readonly offset: number;
  constructor(code: FlowErrorCode, message: string, offset = -1) {
    super(`${code}: ${message}${offset >= 0 ? ` (at byte ${offset})` : ''}`);
    this.name = 'FlowDecodeError';
    this.code = code;
    this.offset = offset;
  }
}

export function truncated(what: string, offset: number): FlowDecodeError {
  return new FlowDecodeError('FLOW_TRUNCATED', `${what} is truncated`, offset);
}
