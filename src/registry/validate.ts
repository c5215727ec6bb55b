/**
 * Semantic checks of registry input. The API's schemas check shapes first; these rules hold for
 * every caller (CLI, tests, other components) and name the field at fault as a JSON path.
 */
import { canonicalIP, invalid } from '../lib/index.ts';
import { MEMBER_ROLES, type FlowSource, type MemberRole, type NewMember, type NewPort } from './types.ts';

export const LIMITS = {
  nameMax: 100,
  asnsMax: 16,
  routerIpsMax: 8,
  macsMax: 16,
  flowSourcesMax: 32,
  capacityMaxMbps: 10_000_000, // 10 Tbit/s: beyond any single port bundle
  contactMax: 200,
} as const;

/** AS numbers a member may not hold: 0 (RFC 7607), AS_TRANS 23456 (RFC 6793), 65535 and 4294967295 (RFC 7300). */
const RESERVED_ASNS = new Set([0, 23456, 65535, 4294967295]);

export function checkName(field: string, v: unknown): string {
  if (typeof v !== 'string') throw invalid(field, `${field} must be a string`);
  const s = v.trim();
  if (s.length < 1 || s.length > LIMITS.nameMax) throw invalid(field, `${field} must be 1–${LIMITS.nameMax} characters`, { max: LIMITS.nameMax });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) throw invalid(field, `${field} must not contain control characters`);
  return s;
}

export function checkAsn(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 4294967294) {
    throw invalid(field, `${field} must be an integer AS number from 1 to 4294967294`);
  }
  if (RESERVED_ASNS.has(v)) throw invalid(field, `${field} ${v} is reserved and cannot identify a member`);
  return v;
}

export function checkIp(field: string, v: unknown): string {
  const c = typeof v === 'string' ? canonicalIP(v) : undefined;
  if (c === undefined) throw invalid(field, `${field} must be an IPv4 or IPv6 address`);
  return c;
}

export function canonicalMac(v: string): string | undefined {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(v);
  if (!m) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
}

function list<T>(field: string, v: unknown, min: number, max: number, item: (f: string, x: unknown) => T, key: (x: T) => string = String): T[] {
  if (!Array.isArray(v)) throw invalid(field, `${field} must be an array`);
  if (v.length < min || v.length > max) throw invalid(field, `${field} must hold ${min}–${max} items`, { min, max });
  const out: T[] = [];
  const seen = new Set<string>();
  v.forEach((x, i) => {
    const c = item(`${field}[${i}]`, x);
    if (seen.has(key(c))) throw invalid(`${field}[${i}]`, `${field}[${i}] repeats an earlier item`);
    seen.add(key(c));
    out.push(c);
  });
  return out;
}

export function checkNewMember(input: NewMember): Required<Omit<NewMember, 'asn'>> {
  const name = checkName('name', input.name);
  if (input.asn !== undefined && input.asns !== undefined) {
    throw invalid('asn', 'give either asn (one ASN) or asns (a list), not both');
  }
  if (input.asn === undefined && input.asns === undefined) throw invalid('asns', 'asns: required (or asn for a single ASN)');
  const asns = input.asn !== undefined ? [checkAsn('asn', input.asn)] : list('asns', input.asns, 1, LIMITS.asnsMax, checkAsn);
  const roles = list('roles', input.roles ?? ['buyer', 'seller'], 1, 3, (f, x) => {
    if (!MEMBER_ROLES.includes(x as MemberRole)) throw invalid(f, `${f} must be one of ${MEMBER_ROLES.join(', ')}`);
    return x as MemberRole;
  });
  const contact: NewMember['contact'] = {};
  const c = input.contact ?? {};
  for (const k of ['name', 'email', 'phone'] as const) {
    const v = c[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > LIMITS.contactMax) throw invalid(`contact.${k}`, `contact.${k} must be a string of at most ${LIMITS.contactMax} characters`);
    contact[k] = v;
  }
  if (contact.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contact.email)) {
    throw invalid('contact.email', 'contact.email must be an e-mail address (name@domain)');
  }
  return { name, asns, roles, contact };
}

export function checkNewPort(input: NewPort): Required<NewPort> {
  if (typeof input.memberId !== 'string' || input.memberId.length === 0) throw invalid('memberId', 'memberId must be a member id');
  const name = checkName('name', input.name);
  const cap = input.capacityMbps;
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1 || cap > LIMITS.capacityMaxMbps) {
    throw invalid('capacityMbps', `capacityMbps must be an integer from 1 to ${LIMITS.capacityMaxMbps}`, { min: 1, max: LIMITS.capacityMaxMbps });
  }
  const routerIps = list('routerIps', input.routerIps, 1, LIMITS.routerIpsMax, checkIp);
  const macAddresses = list('macAddresses', input.macAddresses ?? [], 0, LIMITS.macsMax, (f, x) => {
    const m = typeof x === 'string' ? canonicalMac(x) : undefined;
    if (m === undefined) throw invalid(f, `${f} must be a MAC address like 02:00:5e:10:00:01`);
    return m;
  });
  const flowSources = list(
    'flowSources',
    input.flowSources ?? [],
    0,
    LIMITS.flowSourcesMax,
    (f, x): FlowSource => {
      if (typeof x !== 'object' || x === null) throw invalid(f, `${f} must be an object {exporter, ifIndex}`);
      const o = x as Record<string, unknown>;
      const exporter = checkIp(`${f}.exporter`, o.exporter);
      const ifIndex = o.ifIndex;
      if (typeof ifIndex !== 'number' || !Number.isInteger(ifIndex) || ifIndex < 0 || ifIndex > 4294967295) {
        throw invalid(`${f}.ifIndex`, `${f}.ifIndex must be an integer from 0 to 4294967295`);
      }
      return { exporter, ifIndex };
    },
    (s) => `${s.exporter}#${s.ifIndex}`,
  );
  return { memberId: input.memberId, name, capacityMbps: cap, routerIps, macAddresses, flowSources };
}
