// Interop with frr (see suite.ts for the roles and what each test checks).
import { defineInteropSuite } from './suite.ts';

defineInteropSuite({
  kind: 'frr',
  slot: 2,
  daemonSendsRefresh: true,
  twoOctetSide: 'speaker',
  bulkFromDaemon: 10000,
  // FRR 8.4 ignores ROUTE-REFRESH (enhanced RR negotiated) until it has sent End-of-RIB, and it sends
  // End-of-RIB only to peers that advertise graceful restart: so we advertise it (bgp_packet.c).
  peerExtra: { gracefulRestart: true },
  // lastNotificationReason / lastResetDueTo in `show bgp neighbors X json`
  badPeerAsText: /Bad Peer AS/i,
  maxPrefixText: /Maximum Number of Prefixes Reached/i,
});
