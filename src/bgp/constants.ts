/** Wire constants of BGP-4 (RFC 4271 §4) and the extensions this library speaks. */

export const MARKER_LENGTH = 16;
export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 §3. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

export const MESSAGE_TYPE_NAMES: Record<number, string> = {
  1: 'open',
  2: 'update',
  3: 'notification',
  4: 'keepalive',
  5: 'route-refresh',
};

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/** RFC 6793 §9. */
export const AS_TRANS = 23456;

export const ATTR_FLAG_OPTIONAL = 0x80;
export const ATTR_FLAG_TRANSITIVE = 0x40;
export const ATTR_FLAG_PARTIAL = 0x20;
export const ATTR_FLAG_EXTENDED = 0x10;

export const ATTR_ORIGIN = 1;
export const ATTR_AS_PATH = 2;
export const ATTR_NEXT_HOP = 3;
export const ATTR_MED = 4;
export const ATTR_LOCAL_PREF = 5;
export const ATTR_ATOMIC_AGGREGATE = 6;
export const ATTR_AGGREGATOR = 7;
export const ATTR_COMMUNITIES = 8;
export const ATTR_ORIGINATOR_ID = 9;
export const ATTR_CLUSTER_LIST = 10;
export const ATTR_MP_REACH = 14;
export const ATTR_MP_UNREACH = 15;
export const ATTR_EXT_COMMUNITIES = 16;
export const ATTR_AS4_PATH = 17;
export const ATTR_AS4_AGGREGATOR = 18;
export const ATTR_LARGE_COMMUNITIES = 32;

/** RFC 4271 §4.5 / RFC 7606 error codes. */
export const ERR_HEADER = 1;
export const ERR_OPEN = 2;
export const ERR_UPDATE = 3;
export const ERR_HOLD_TIMER = 4;
export const ERR_FSM = 5;
export const ERR_CEASE = 6;
export const ERR_ROUTE_REFRESH = 7;
export const ERR_SEND_HOLD_TIMER = 8;

export const HDR_NOT_SYNCHRONIZED = 1;
export const HDR_BAD_LENGTH = 2;
export const HDR_BAD_TYPE = 3;

export const OPEN_UNSUPPORTED_VERSION = 1;
export const OPEN_BAD_PEER_AS = 2;
export const OPEN_BAD_BGP_ID = 3;
export const OPEN_UNSUPPORTED_OPT_PARAM = 4;
export const OPEN_UNACCEPTABLE_HOLD_TIME = 6;
export const OPEN_UNSUPPORTED_CAPABILITY = 7;

export const UPD_MALFORMED_ATTR_LIST = 1;
export const UPD_UNRECOGNIZED_WELL_KNOWN = 2;
export const UPD_MISSING_WELL_KNOWN = 3;
export const UPD_ATTR_FLAGS = 4;
export const UPD_ATTR_LENGTH = 5;
export const UPD_INVALID_ORIGIN = 6;
export const UPD_INVALID_NEXT_HOP = 8;
export const UPD_OPTIONAL_ATTR = 9;
export const UPD_INVALID_NETWORK = 10;
export const UPD_MALFORMED_AS_PATH = 11;

export const CEASE_MAX_PREFIX = 1;
export const CEASE_ADMIN_SHUTDOWN = 2;
export const CEASE_PEER_DECONFIGURED = 3;
export const CEASE_ADMIN_RESET = 4;
export const CEASE_CONNECTION_REJECTED = 5;
export const CEASE_OTHER_CONFIG_CHANGE = 6;
export const CEASE_COLLISION = 7;
export const CEASE_OUT_OF_RESOURCES = 8;
