export const MEMBER_ROLES = ['buyer', 'seller', 'reseller'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export interface Contact {
  name?: string;
  email?: string;
  phone?: string;
}

export interface Member {
  id: string;
  name: string;
  /** At least one; unique across members. */
  asns: number[];
  roles: MemberRole[];
  contact: Contact;
  /** Epoch ms. */
  createdAt: number;
}

/** Where a port's traffic shows up in flow exports: an exporter address and its SNMP ifIndex. */
export interface FlowSource {
  exporter: string;
  ifIndex: number;
}

export interface Port {
  id: string;
  memberId: string;
  name: string;
  capacityMbps: number;
  /** Canonical (RFC 5952) IPv4/IPv6 addresses of the member router on the exchange LAN. */
  routerIps: string[];
  /** Lower-case `aa:bb:cc:dd:ee:ff`; used by metering to map flows to ports. */
  macAddresses: string[];
  flowSources: FlowSource[];
  createdAt: number;
}

/** `agent`: a probe agent's key, scoped to one agent running in a provider member's network. */
export type KeyRole = 'admin' | 'member' | 'agent';

export interface ApiKey {
  id: string;
  /** null for admin keys; for an agent key, the provider member the agent runs in. */
  memberId: string | null;
  role: KeyRole;
  /** The agent an `agent` key belongs to; null for admin and member keys. */
  agentId: string | null;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Who is calling, resolved from a bearer key. */
export type Principal =
  | { kind: 'admin'; keyId: string }
  | { kind: 'member'; memberId: string; keyId: string }
  /** A probe agent: files measurements and takes probe jobs for its provider only. */
  | { kind: 'agent'; agentId: string; providerMemberId: string; keyId: string };

export interface NewMember {
  name: string;
  /** The member's ASNs; `asn` is the single-ASN shorthand (give one of the two). */
  asns?: number[];
  asn?: number;
  roles?: MemberRole[];
  contact?: Contact;
}

export interface NewPort {
  memberId: string;
  name: string;
  capacityMbps: number;
  routerIps: string[];
  macAddresses?: string[];
  flowSources?: FlowSource[];
}
