/**
 * A PortDirectory over a plain table of port mappings, for the collector's decode worker: the
 * registry lives on the main thread, so the main thread sends this table (built from
 * `PortDirectory.listPorts()`) when the worker starts and whenever it changes, and the worker maps
 * flows to ports itself. Look-ups canonicalise their argument exactly as the registry does
 * (registry-service.ts: canonical IP text, lower-case colon MAC, `exporter#ifIndex`), and the
 * table holds the registry's stored (canonical) values.
 */
import { canonicalIP } from '../lib/ip.ts';
import type { PortDirectory, PortMapping, PortRef } from './port-directory.ts';

/** The registry's canonical MAC (registry/validate.ts canonicalMac): aa:bb:cc:dd:ee:ff. */
function canonicalMac(v: string): string | undefined {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(v);
  return m ? [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase() : undefined;
}

/** The same text as an internalized string: the table arrives by structured clone, and the
 * aggregator compares port ids per flow — two internalized strings differ by reference, other
 * strings of one length only character by character. */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0];
}

export class TablePortDirectory implements PortDirectory {
  private byRouter = new Map<string, PortRef>();
  private byMac = new Map<string, PortRef>();
  private byFlow = new Map<string, PortRef>();

  constructor(table: readonly PortMapping[] = []) {
    this.replace(table);
  }

  replace(table: readonly PortMapping[]): void {
    this.byRouter = new Map();
    this.byMac = new Map();
    this.byFlow = new Map();
    for (const p of table) {
      const ref: PortRef = { id: intern(p.id), memberId: p.memberId };
      for (const ip of p.routerIps) this.byRouter.set(ip, ref);
      for (const m of p.macAddresses) this.byMac.set(m, ref);
      for (const f of p.flowSources) this.byFlow.set(`${f.exporter}#${f.ifIndex}`, ref);
    }
  }

  findPortByRouterIp(ip: string): PortRef | undefined {
    const c = canonicalIP(ip);
    return c === undefined ? undefined : this.byRouter.get(c);
  }

  findPortByMac(mac: string): PortRef | undefined {
    const c = canonicalMac(mac);
    return c === undefined ? undefined : this.byMac.get(c);
  }

  findPortByFlowSource(exporter: string, ifIndex: number): PortRef | undefined {
    const c = canonicalIP(exporter);
    return c === undefined ? undefined : this.byFlow.get(`${c}#${ifIndex}`);
  }
}

/** The mapping part of every port, in a stable order (so the main thread can tell a change). */
export function portTableOf(dir: PortDirectory): PortMapping[] | null {
  if (!dir.listPorts) return null;
  return dir.listPorts()
    .map((p) => ({
      id: p.id, memberId: p.memberId, routerIps: [...p.routerIps], macAddresses: [...p.macAddresses],
      flowSources: p.flowSources.map((f) => ({ exporter: f.exporter, ifIndex: f.ifIndex })),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
