/**
 * Error codes of the trade route registry (learned routes, registered prefixes, routing policy,
 * ROA and IRR files). Kept apart from the rest of src/registry's errors because the route
 * registry is its own concept.
 */
import { defineErrors } from '../lib/index.ts';

export const routeErrors = defineErrors('routes', {
  ROUTES_PREFIX_INVALID: {
    kind: 'invalid',
    description: 'The prefix is not canonical CIDR (address/length with host bits zero); `field` names it.',
  },
  ROUTES_PREFIX_NOT_ALLOWED: {
    kind: 'invalid',
    description: 'The prefix cannot be registered: it is a bogon or outside the configured length bounds; details say which rule.',
  },
  ROUTES_PREFIX_NOT_REGISTERED: {
    kind: 'not_found',
    description: 'The member has not registered this prefix; list them with GET /v1/members/{id}/prefixes.',
  },
  ROUTES_POLICY_INVALID: {
    kind: 'invalid',
    description: 'A routing policy field has the wrong type or range; `field` names it.',
  },
  ROUTES_ROA_FILE_INVALID: {
    kind: 'invalid',
    description: 'The RPKI ROA file is not rpki-client/Routinator JSON ({"roas":[{asn,prefix,maxLength}]}); `field` names the bad entry.',
  },
  ROUTES_IRR_FILE_INVALID: {
    kind: 'invalid',
    description: 'The IRR prefix-list file is not bgpq4 JSON ({"NAME":[{prefix,exact,…}]}); `field` names the bad entry.',
  },
});
