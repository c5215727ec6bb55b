/**
 * Network distance in AS hops comes from routes, not from probes: the registry knows the AS path
 * each provider announced towards a destination (B1, B7). The quality domain only needs this
 * one question answered, so it declares it here and the app hands in an adapter over the registry.
 */
import { type Prefix, PrefixTrie, parsePrefix } from '../lib/index.ts';
import { canonicalDestination } from './measurement.ts';

export interface AsPathSource {
  /** AS-path length of the provider's best route covering `destination` (canonical CIDR), if known. */
  asHops(provider: string, destination: string): number | undefined;
}

export const noAsPaths: AsPathSource = { asHops: () => undefined };

/** An AsPathSource over routes held in memory: (provider, prefix, AS path); longest match wins. */
export class StaticAsPaths implements AsPathSource {
  private readonly byProvider = new Map<string, PrefixTrie<number>>();

  /** Records a route; `asPath` is the list of ASNs (prepends count, as BGP's path length does). */
  add(provider: string, destination: string, asPath: readonly number[]): void {
    const d = canonicalDestination(destination);
    const r = d ? parsePrefix(d) : undefined;
    if (!r?.ok) throw new Error(`bad destination ${destination}`);
    let t = this.byProvider.get(provider);
    if (!t) this.byProvider.set(provider, (t = new PrefixTrie<number>()));
    t.set(r.prefix, asPath.length);
  }

  asHops(provider: string, destination: string): number | undefined {
    const t = this.byProvider.get(provider);
    const d = canonicalDestination(destination);
    const r = d ? parsePrefix(d) : undefined;
    if (!t || !r?.ok) return undefined;
    return t.longestMatch(r.prefix)?.value;
  }
}

/**
 * An AsPathSource over a function of a parsed prefix, e.g. the route registry's covering route
 * of the provider (wired in src/app.ts). Parsing and `any4`/`any6` are handled here.
 */
export function asPathsFrom(hops: (provider: string, destination: Prefix) => number | undefined): AsPathSource {
  return {
    asHops(provider, destination) {
      const d = canonicalDestination(destination);
      const r = d ? parsePrefix(d) : undefined;
      return r?.ok ? hops(provider, r.prefix) : undefined;
    },
  };
}
