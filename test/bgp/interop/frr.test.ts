// Interop with frr (see suite.ts for the roles and what each test checks).
import { defineInteropSuite } from './suite.ts';

defineInteropSuite({
  kind: 'frr',
  slot: 2,
  daemonSendsRefresh: true,
  twoOctetSide: 'speaker',
  bulkFromDaemon: 5000,
  badPeerAsText: /bad peer as/i,
  maxPrefixText: /maximum number of prefixes/i,
});
