import { defineErrors } from '../lib/index.ts';

export const registryErrors = defineErrors('registry', {
  REGISTRY_MEMBER_NOT_FOUND: { kind: 'not_found', description: 'No member with this id (or not one you may see).' },
  REGISTRY_PORT_NOT_FOUND: { kind: 'not_found', description: 'No port with this id (or not one you may see).' },
  REGISTRY_KEY_NOT_FOUND: { kind: 'not_found', description: 'No API key with this id (or not one you may see).' },
  REGISTRY_MEMBER_NAME_TAKEN: { kind: 'conflict', description: 'Another member already has this name; member names are unique.' },
  REGISTRY_ASN_TAKEN: { kind: 'conflict', description: 'The ASN already belongs to another member; an ASN belongs to one member.' },
  REGISTRY_PORT_NAME_TAKEN: { kind: 'conflict', description: 'The member already has a port with this name.' },
  REGISTRY_ROUTER_IP_TAKEN: { kind: 'conflict', description: 'The router address is already used by another port on the exchange LAN.' },
  REGISTRY_MAC_TAKEN: { kind: 'conflict', description: 'The MAC address is already mapped to another port.' },
  REGISTRY_FLOW_SOURCE_TAKEN: { kind: 'conflict', description: 'The flow source (exporter, ifIndex) is already mapped to another port.' },
  REGISTRY_KEY_REVOKED: { kind: 'conflict', description: 'The API key is already revoked (or a revoked or member key was given as the bootstrap admin token).' },
});
