/**
 * Error codes of the arbiter (route server policy and looking glass). The trade route registry's
 * own codes (ROUTES_*) live in src/registry/route-errors.ts; importing it here lists them with
 * the arbiter's in docs/errors.md.
 */
import { defineErrors } from '../lib/index.ts';
import '../registry/route-errors.ts';

export const arbiterErrors = defineErrors('arbiter', {
  ARBITER_CONFIG_INVALID: {
    kind: 'invalid',
    description: 'A `bgp` setting is malformed (listen must be HOST:PORT or [IPv6]:PORT, routerId an IPv4 address); `field` names it.',
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
