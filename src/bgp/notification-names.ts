/**
 * Names of every NOTIFICATION error code and subcode registered with IANA ("BGP Error (Notification)
 * Codes" and subcode registries): RFC 4271 §4.5, RFC 4486 and RFC 8538 (Cease), RFC 5492 (capability),
 * RFC 6608 (FSM), RFC 7313 (ROUTE-REFRESH), RFC 9234 (role), RFC 9384 (BFD), RFC 9687 (send hold timer).
 */

export const ERROR_CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

export const ERROR_SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: {
    0: 'Unspecific',
    1: 'Connection Not Synchronized',
    2: 'Bad Message Length',
    3: 'Bad Message Type',
  },
  2: {
    0: 'Unspecific',
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    8: 'Deprecated',
    9: 'Deprecated',
    10: 'Deprecated',
    11: 'Role Mismatch',
  },
  3: {
    0: 'Unspecific',
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  4: { 0: 'Unspecific' },
  5: {
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    0: 'Unspecific',
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: {
    0: 'Reserved',
    1: 'Invalid Message Length',
  },
  8: { 0: 'Unspecific' },
};

/** "Cease / Administrative Shutdown"; unknown numbers print as such. */
export function notificationName(code: number, subcode: number): string {
  const c = ERROR_CODE_NAMES[code] ?? `Unknown error code ${code}`;
  const s = ERROR_SUBCODE_NAMES[code]?.[subcode] ?? `subcode ${subcode}`;
  return `${c} / ${s}`;
}
