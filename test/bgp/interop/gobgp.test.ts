// Interop with gobgp (see suite.ts for the roles and what each test checks).
import { defineInteropSuite } from './suite.ts';

defineInteropSuite({
  kind: 'gobgp',
  slot: 1,
  daemonSendsRefresh: false,
  twoOctetSide: 'speaker',
  bulkFromDaemon: 2000,
  badPeerAsText: /bad peer as/i,
  maxPrefixText: /maximum number of prefixes/i,
});
