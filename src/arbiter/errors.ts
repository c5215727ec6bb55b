/** Error codes of the arbiter (route server policy and looking glass). */
import { defineErrors } from '../lib/index.ts';

export const arbiterErrors = defineErrors('arbiter', {
  ARBITER_MEMBER_UNKNOWN: {
    kind: 'not_found',
    description: 'The route server knows no member with this id (it has no port with a router address yet).',
  },
  ARBITER_PORT_UNKNOWN: {
    kind: 'not_found',
    description: 'No port with this id, or it has no router address: `bandex port config` needs one.',
  },
  ARBITER_NOT_LISTENING: {
    kind: 'conflict',
    description: 'The route server is not configured (no `bgp` section / --bgp-listen), so it has no session address to show.',
  },
  ARBITER_FILE_UNREADABLE: {
    kind: 'invalid',
    description: 'A configured RPKI or IRR file cannot be read; the message names the path and the system error.',
  },
});
