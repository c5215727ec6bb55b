/**
 * src/bgp — a BGP-4 speaker library for the bandex route server. It imports nothing else of the
 * project: own errors, IP/prefix helpers and metrics sink.
 *
 * Design:
 * - Codec (pure, symmetric; one descriptor table per capability in capabilities.ts and per path
 *   attribute in attributes.ts): header.ts, open.ts, update.ts, nlri.ts, notification.ts,
 *   route-refresh.ts, message.ts. The codec throws only BgpDecodeError, which carries the
 *   NOTIFICATION code/subcode/data and the RFC 7606 reaction.
 * - FSM (fsm.ts) is a pure `(state, event, now) → {state, actions}`; peer.ts runs its actions with
 *   sockets (connection.ts) and timers, negotiates OPENs (negotiate.ts) and resolves collisions.
 * - RIBs: adj-rib-in.ts stores routes compactly (IPv4 keys are small integers, values shared interned
 *   attribute sets from attr-intern.ts, decoded once per distinct blob by update-ingest.ts); Route
 *   objects are built lazily. adj-rib-out.ts + update-packer.ts pack prefixes sharing attributes.
 * - speaker.ts: runtime peer management and the public API below; export-policy.ts: what a route
 *   looks like towards a peer (normal eBGP/iBGP, or RFC 7947 transparent).
 *
 * RFCs implemented: 4271 (BGP-4), 4760 (multiprotocol, IPv4/IPv6 unicast), 2545 (IPv6 next hops),
 * 5492 (capabilities), 2918 + 7313 (route refresh, enhanced with BoRR/EoRR), 6793 (4-octet ASN,
 * AS_TRANS, AS4_PATH/AS4_AGGREGATOR), 4724 (graceful restart, helper mode; End-of-RIB), 7911 (add-path),
 * 8654 (extended messages), 1997 (communities), 4360 (extended communities), 8092 (large communities),
 * 4456 (ORIGINATOR_ID/CLUSTER_LIST), 5065 (confederation segments), 4486 (Cease subcodes; 8538 Hard Reset named, its GR N bit parsed but not acted on),
 * 6608 (FSM error subcodes), 9003 (shutdown communication), 9072 (extended optional parameters),
 * 7606 (revised UPDATE error handling), 6286 (BGP identifier), 7947 (route server transparency),
 * 9687 (send hold timer).
 *
 * Not implemented: ORF (5291), DelayOpen, the restarting-speaker side of graceful restart (we help
 * restarting peers), long-lived GR, extended next hop (8950), AFI/SAFI disable (malformed MP
 * attributes reset the session, which RFC 7606 §7.11 allows), collision detection in Established.
 */
export { createSpeaker, type Speaker, type SpeakerConfig, type SpeakerDeps } from './speaker.ts';
export type { PeerConfig } from './peer-config.ts';
export type { PeerStatus } from './peer-status.ts';
export type { BgpMetrics } from './metrics.ts';
export type { BgpLog, LogLevel } from './speaker-context.ts';
export type { AsPathSegment, AsPathSegmentType, CodecContext, Nlri, Origin, PathAttributes, Route, UnknownAttribute } from './types.ts';
export { BgpDecodeError, BgpError, BGP_ERROR_CODES, type BgpErrorCode, type ErrorAction } from './errors.ts';
export { parseCommunity, formatCommunity, parseLargeCommunity, formatLargeCommunity, parseExtCommunity, formatExtCommunity, WELL_KNOWN_COMMUNITIES } from './communities.ts';
export { formatAsPath, asPathLength } from './as-path.ts';
export { notificationName, ERROR_CODE_NAMES, ERROR_SUBCODE_NAMES } from './notification-names.ts';
export { decodeMessage, encodeMessage, type BgpMessage } from './message.ts';
export { decodeOpen, encodeOpen, type OpenMessage } from './open.ts';
export { decodeUpdate, encodeUpdate, encodeEndOfRib, endOfRibFamily, type UpdateMessage } from './update.ts';
export { decodeNotification, encodeNotification, type NotificationMessage } from './notification.ts';
export { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.ts';
export { summarizeCapabilities, type Capability, type CapabilitySummary } from './capabilities.ts';
export { transition, initialFsmState, type FsmState, type FsmEvent, type FsmAction, type FsmStateName } from './fsm.ts';
export { parsePrefix, formatPrefix, parseIPv4, formatIPv4, parseIPv6, formatIPv6, type Family } from './ip.ts';
export { fromHex, toHex } from './bytes.ts';
