/** Tables of the arbiter / trade route registry (migration 0400-arbiter-routes). */

export interface RoutePrefixesTable {
  member_id: string;
  /** Canonical CIDR. */
  prefix: string;
  family: number;
  description: string | null;
  registered_at: number;
}

export interface RoutePoliciesTable {
  member_id: string;
  /** JSON of RoutingPolicy. */
  policy: string;
  updated_at: number;
}

export interface ArbiterTables {
  route_prefixes: RoutePrefixesTable;
  route_policies: RoutePoliciesTable;
}
