/**
 * The members' statements to the trade route registry (SPEC B1): registered prefixes and routing
 * policy. Each change is validated (nothing changes on error), journalled with its row, applied
 * to the in-memory registry, and handed to the arbiter so exports follow at once (a seller starts
 * receiving a buyer's newly registered prefix; NO_EXPORT switches on or off).
 *
 * Events (topic `routes`, visible to the member): RoutePrefixRegistered, RoutePrefixUnregistered,
 * RoutingPolicyChanged.
 */
import type { Clock } from '../lib/index.ts';
import type { RegisteredPrefix, RoutingPolicy } from '../registry/route-model.ts';
import type { RouteRegistry } from '../registry/route-registry.ts';
import type { RouteRegistryRepo } from '../registry/route-repo.ts';

export interface RoutesServiceDeps {
  readonly registry: RouteRegistry;
  readonly repo: RouteRegistryRepo;
  readonly clock: Clock;
  /** Called after a member's prefixes or policy changed (the arbiter re-evaluates its exports). */
  readonly changed?: (memberId: string) => void;
}

export interface RoutesService {
  start(): Promise<void>;
  registerPrefix(memberId: string, prefix: string, description: string | undefined, actor: string): Promise<RegisteredPrefix>;
  unregisterPrefix(memberId: string, prefix: string, actor: string): Promise<RegisteredPrefix>;
  setPolicy(memberId: string, patch: Record<string, unknown>, actor: string): Promise<RoutingPolicy>;
  /** Later wiring: the arbiter is created after this service. */
  onChange(fn: (memberId: string) => void): void;
}

export function createRoutesService(deps: RoutesServiceDeps): RoutesService {
  const { registry, repo, clock } = deps;
  const listeners: Array<(memberId: string) => void> = deps.changed ? [deps.changed] : [];
  const notify = (memberId: string) => {
    for (const l of listeners) l(memberId);
  };
  // One write at a time per member keeps "validate, persist, apply" free of interleavings.
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(memberId: string, fn: () => Promise<T>): Promise<T> {
    const prev = queues.get(memberId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    queues.set(
      memberId,
      next.catch(() => undefined),
    );
    return next;
  }
  return {
    async start() {
      const { prefixes, policies } = await repo.load();
      for (const p of prefixes) registry.restorePrefix(p);
      for (const { memberId, policy } of policies) registry.restorePolicy(memberId, policy);
    },
    registerPrefix(memberId, prefix, description, actor) {
      return serial(memberId, async () => {
        const reg = registry.prepareRegistration(memberId, prefix, description);
        await repo.insertPrefix(reg, {
          type: 'RoutePrefixRegistered',
          actor,
          topic: 'routes',
          visibility: [memberId],
          payload: reg,
        });
        registry.restorePrefix(reg);
        notify(memberId);
        return reg;
      });
    },
    unregisterPrefix(memberId, prefix, actor) {
      return serial(memberId, async () => {
        const reg = registry.registeredPrefix(memberId, prefix);
        await repo.deletePrefix(memberId, reg.prefix, {
          type: 'RoutePrefixUnregistered',
          actor,
          topic: 'routes',
          visibility: [memberId],
          payload: { memberId, prefix: reg.prefix },
        });
        registry.unregisterPrefix(memberId, reg.prefix);
        notify(memberId);
        return reg;
      });
    },
    setPolicy(memberId, patch, actor) {
      return serial(memberId, async () => {
        const policy = registry.preparePolicy(memberId, patch);
        const at = clock.now();
        await repo.savePolicy(memberId, policy, at, {
          type: 'RoutingPolicyChanged',
          actor,
          topic: 'routes',
          visibility: [memberId],
          payload: { memberId, policy },
        });
        registry.restorePolicy(memberId, policy);
        notify(memberId);
        return policy;
      });
    },
    onChange(fn) {
      listeners.push(fn);
    },
  };
}
