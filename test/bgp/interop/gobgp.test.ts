// Interop with gobgp (see suite.ts for the roles and what each test checks).
import { defineInteropSuite } from './suite.ts';

defineInteropSuite({
  kind: 'gobgp',
  slot: 1,
  daemonSendsRefresh: false,
  twoOctetSide: 'speaker',
  bulkFromDaemon: 1000,
  // GoBGP logs no NOTIFICATION codes: its neighbor message counters show the NOTIFICATION arrived.
  badPeerAsText: /"notification":[1-9]/,
  maxPrefixText: /"notification":[1-9]/,
});
