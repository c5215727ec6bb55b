// Interop with exabgp (see suite.ts for the roles and what each test checks).
import { defineInteropSuite } from './suite.ts';

defineInteropSuite({
  kind: 'exabgp',
  slot: 3,
  daemonSendsRefresh: true,
  twoOctetSide: 'daemon',
  bulkFromDaemon: 5000, // ExaBGP parses API commands slowly (~10k in 20–40 s on a loaded 2-core box)
  // ExaBGP 4.2.21 resets the session on ROUTE-REFRESH once enhanced route refresh is negotiated.
  peerExtra: { enhancedRouteRefresh: false },
  // the NOTIFICATION events ExaBGP's API process received
  badPeerAsText: /"code":\s*2,\s*"subcode":\s*2/,
  maxPrefixText: /"code":\s*6,\s*"subcode":\s*1/,
});
