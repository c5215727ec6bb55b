// Interop with bird (see suite.ts for the roles and what each test checks).
import { defineInteropSuite } from './suite.ts';

defineInteropSuite({
  kind: 'bird',
  slot: 0,
  daemonSendsRefresh: true,
  twoOctetSide: 'daemon',
  bulkFromDaemon: 10000,
  badPeerAsText: /bad peer as/i,
  maxPrefixText: /maximum number of prefixes/i,
});
