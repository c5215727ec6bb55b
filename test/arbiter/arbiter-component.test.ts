// The arbiter component's own logic with its injected clock and timers (no BGP speaker: it then
// files routes and computes exports without sending them): trade periods start and end on time,
// members' ports change without a restart, events are reported.
import { describe, expect, it } from 'vitest';
import { createArbiter, type MemberSource, type TradeSource } from '../../src/arbiter/arbiter.ts';
import type { ArbiterEvent } from '../../src/arbiter/export-policy.ts';
import type { TradeView } from '../../src/arbiter/trade-view.ts';
import { createReporter } from '../../src/lib/index.ts';
import type { MemberRouting } from '../../src/registry/route-model.ts';
import { labRegistry, route } from './helpers.ts';

const T0 = Date.parse('2026-12-01T00:00:00Z');

describe('arbiter component (clock, timers, sources)', () => {
  it('starts and ends a trade on its period boundaries with the injected clock and timers', async () => {
    const { reg, clock } = labRegistry();
    reg.learn(route('m1', '192.0.2.11', '203.0.113.0/24'));
    const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
    const events: ArbiterEvent[] = [];
    const trade: TradeView = { id: 't1', buyerId: 'm2', sellerId: 'm1', destination: '203.0.113.0/24', protocol: 'ipv4', start: T0 + 30_000, end: T0 + 90_000, status: 'scheduled' };
    let memberSub: ((m: MemberRouting) => void) | undefined;
    const members: MemberSource = {
      list: () => ['m1', 'm2', 'm3'].map((id) => reg.member(id)!),
      subscribe: (fn) => ((memberSub = fn), () => undefined),
    };
    const trades: TradeSource = { list: () => [trade], subscribe: () => () => undefined };
    clock.set(T0);
    const arb = createArbiter(
      {
        clock,
        reporter: createReporter({ destination: false }),
        registry: reg,
        members,
        trades,
        onEvent: (e) => events.push(e),
        timers: {
          setTimeout: (fn, ms) => {
            const t = { fn, ms, cleared: false };
            timers.push(t);
            return t;
          },
          clearTimeout: (h) => void ((h as { cleared: boolean }).cleared = true),
        },
      },
      { asn: 64999 },
    );
    await arb.start();
    const armed = () => timers.filter((t) => !t.cleared);
    expect(armed().map((t) => t.ms)).toEqual([30_000]);
    expect(arb.exportsFor('m2')).toEqual([]);
    clock.set(T0 + 30_000);
    armed()[0].fn();
    expect(arb.exportsFor('m2').map((r) => r.prefix)).toEqual(['203.0.113.0/24']);
    expect(events.map((e) => e.type)).toEqual(['TradeExportStarted']);
    expect(armed().map((t) => t.ms)).toEqual([60_000]); // the end, one minute later
    clock.set(T0 + 90_000);
    armed()[0].fn();
    expect(arb.exportsFor('m2')).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['TradeExportStarted', 'TradeExportEnded']);
    expect(armed()).toEqual([]);

    // a member's new port (router) is picked up without a restart
    memberSub!({ memberId: 'm3', asns: [65003], routers: ['192.0.2.13', '192.0.2.23'] });
    expect(reg.member('m3')?.routers).toEqual(['192.0.2.13', '192.0.2.23']);
    expect(reg.memberByRouter('192.0.2.23')?.memberId).toBe('m3');
    await arb.stop();
  });

  it('caps a long sleep so a far boundary is re-checked against the clock', async () => {
    const { reg, clock } = labRegistry();
    clock.set(T0);
    const waits: number[] = [];
    const arb = createArbiter(
      {
        clock,
        reporter: createReporter({ destination: false }),
        registry: reg,
        members: { list: () => [], subscribe: () => () => undefined },
        trades: { list: () => [{ id: 't', buyerId: 'm2', sellerId: 'm1', destination: 'any', protocol: 'ipv4', start: T0 + 86_400_000, end: T0 + 2 * 86_400_000, status: 'scheduled' }], subscribe: () => () => undefined },
        timers: { setTimeout: (_fn, ms) => waits.push(ms), clearTimeout: () => undefined },
      },
      { asn: 64999 },
    );
    await arb.start();
    expect(waits).toEqual([60_000]);
    await arb.stop();
  });
});
