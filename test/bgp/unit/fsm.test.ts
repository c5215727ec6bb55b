// The pure FSM (RFC 4271 §8.2.2): transition tables with recorded reasons, timers as actions, damped restarts.
import { describe, expect, it } from 'vitest';
import { transition, initialFsmState, type FsmEvent, type FsmState, type FsmStateName } from '../../../src/bgp/index.ts';
import { DEFAULT_FSM_CONFIG, type FsmAction, type FsmConfig } from '../../../src/bgp/fsm.ts';

const cfg: FsmConfig = { ...DEFAULT_FSM_CONFIG, connectRetrySec: 5, idleHoldSec: 1, maxIdleHoldSec: 16, stableSec: 60 };
const at = (name: FsmStateName, patch: Partial<FsmState> = {}): FsmState => ({ ...initialFsmState(0), name, holdTime: 9, ...patch });
const types = (a: FsmAction[]) => a.map((x) => (x.type === 'start-timer' || x.type === 'stop-timer' ? `${x.type}:${x.timer}` : x.type === 'send-notification' ? `notify:${x.notification.code}/${x.notification.subcode}` : x.type));
const n = { code: 3, subcode: 1 };

interface Row {
  from: FsmStateName;
  event: FsmEvent;
  to: FsmStateName;
  actions: string[];
  passive?: boolean;
}

const table: Row[] = [
  { from: 'Idle', event: { type: 'ManualStart' }, to: 'Connect', actions: ['stop-timer:idleHold', 'start-timer:connectRetry', 'connect'] },
  { from: 'Idle', event: { type: 'ManualStart' }, to: 'Active', passive: true, actions: ['stop-timer:idleHold', 'start-timer:connectRetry'] },
  { from: 'Idle', event: { type: 'KeepAliveMsg' }, to: 'Idle', actions: [] },
  { from: 'Connect', event: { type: 'TcpCrAcked' }, to: 'OpenSent', actions: ['stop-timer:connectRetry', 'send-open', 'start-timer:hold'] },
  { from: 'Connect', event: { type: 'ConnectRetryTimerExpires' }, to: 'Connect', actions: ['disconnect', 'start-timer:connectRetry', 'connect'] },
  { from: 'Connect', event: { type: 'TcpConnectionFails', reason: 'refused' }, to: 'Active', actions: ['disconnect', 'start-timer:connectRetry'] },
  { from: 'Active', event: { type: 'ConnectRetryTimerExpires' }, to: 'Connect', actions: ['start-timer:connectRetry', 'connect'] },
  { from: 'Active', event: { type: 'ConnectRetryTimerExpires' }, to: 'Active', passive: true, actions: ['start-timer:connectRetry'] },
  { from: 'Active', event: { type: 'TcpConnectionConfirmed' }, to: 'OpenSent', actions: ['stop-timer:connectRetry', 'send-open', 'start-timer:hold'] },
  { from: 'OpenSent', event: { type: 'BGPOpen', holdTime: 9 }, to: 'OpenConfirm', actions: ['stop-timer:connectRetry', 'send-keepalive', 'start-timer:hold', 'start-timer:keepalive'] },
  { from: 'OpenSent', event: { type: 'BGPOpen', holdTime: 0 }, to: 'OpenConfirm', actions: ['stop-timer:connectRetry', 'send-keepalive', 'stop-timer:hold', 'stop-timer:keepalive'] },
  { from: 'OpenSent', event: { type: 'BGPOpenMsgErr', notification: { code: 2, subcode: 2 }, reason: 'bad AS' }, to: 'Idle', actions: ['notify:2/2', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'OpenSent', event: { type: 'HoldTimerExpires' }, to: 'Idle', actions: ['notify:4/0', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'OpenSent', event: { type: 'TcpConnectionFails', reason: 'reset' }, to: 'Active', actions: ['disconnect', 'stop-timer:hold', 'start-timer:connectRetry'] },
  { from: 'OpenSent', event: { type: 'KeepAliveMsg' }, to: 'Idle', actions: ['notify:5/1', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'OpenSent', event: { type: 'OpenCollisionDump', reason: 'collision' }, to: 'Idle', actions: ['notify:6/7', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'OpenConfirm', event: { type: 'KeepAliveMsg' }, to: 'Established', actions: ['touch-hold', 'established'] },
  { from: 'OpenConfirm', event: { type: 'KeepaliveTimerExpires' }, to: 'OpenConfirm', actions: ['send-keepalive', 'start-timer:keepalive'] },
  { from: 'OpenConfirm', event: { type: 'UpdateMsg' }, to: 'Idle', actions: ['notify:5/2', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'OpenConfirm', event: { type: 'NotifMsg', reason: 'peer said no' }, to: 'Idle', actions: ['disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'Established', event: { type: 'UpdateMsg' }, to: 'Established', actions: ['touch-hold'] },
  { from: 'Established', event: { type: 'KeepaliveTimerExpires' }, to: 'Established', actions: ['send-keepalive', 'start-timer:keepalive'] },
  { from: 'Established', event: { type: 'HoldTimerExpires' }, to: 'Idle', actions: ['notify:4/0', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'Established', event: { type: 'UpdateMsgErr', notification: n, reason: 'malformed' }, to: 'Idle', actions: ['notify:3/1', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'Established', event: { type: 'BGPOpen', holdTime: 9 }, to: 'Idle', actions: ['notify:5/3', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'Established', event: { type: 'SendHoldTimerExpires' }, to: 'Idle', actions: ['notify:8/0', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
  { from: 'Established', event: { type: 'ManualStop', shutdownMessage: 'bye' }, to: 'Idle', actions: ['notify:6/2', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'stop-timer:idleHold', 'release'] },
  { from: 'Connect', event: { type: 'ManualStop' }, to: 'Idle', actions: ['disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'stop-timer:idleHold', 'release'] },
  { from: 'Established', event: { type: 'AutomaticStop', reason: 'max-prefix', notification: { code: 6, subcode: 1 } }, to: 'Idle', actions: ['notify:6/1', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release'] },
  { from: 'Established', event: { type: 'AutomaticStop', reason: 'max-prefix', notification: { code: 6, subcode: 1 }, restartAfterSec: 30 }, to: 'Idle', actions: ['notify:6/1', 'disconnect', 'stop-timer:connectRetry', 'stop-timer:hold', 'stop-timer:keepalive', 'release', 'start-timer:idleHold'] },
];

describe('FSM transition table', () => {
  for (const r of table) {
    it(`${r.from} + ${r.event.type}${r.passive ? ' (passive)' : ''} → ${r.to}`, () => {
      const { state, actions } = transition(at(r.from), r.event, 1000, { ...cfg, passive: r.passive ?? false });
      expect(state.name).toBe(r.to);
      expect(types(actions)).toEqual(r.actions);
      if (state.name !== r.from) {
        expect(state.reason.length).toBeGreaterThan(0);
        expect(state.since).toBe(1000);
      }
    });
  }

  it('records the reason of every change', () => {
    expect(transition(at('Connect'), { type: 'TcpConnectionFails', reason: 'connect failed: ECONNREFUSED' }, 5, cfg).state.reason).toBe('connect failed: ECONNREFUSED');
    expect(transition(at('OpenSent'), { type: 'BGPOpenMsgErr', notification: { code: 2, subcode: 2 }, reason: 'peer AS 65009 is not the configured 65002' }, 5, cfg).state.reason).toMatch(/65009/);
    expect(transition(at('Established'), { type: 'HoldTimerExpires' }, 5, cfg).state.reason).toBe('hold timer expired');
  });

  it('uses the negotiated hold time: keepalives every third of it, none when 0', () => {
    const { actions } = transition(at('OpenSent'), { type: 'BGPOpen', holdTime: 30 }, 0, cfg);
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'hold', seconds: 30 });
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'keepalive', seconds: 10 });
  });

  it('damps restarts after errors: IdleHold doubles per consecutive failure up to a cap, resets after a stable session', () => {
    let s = at('Idle');
    const holds: number[] = [];
    for (let i = 0; i < 7; i++) {
      s = transition(s, { type: 'IdleHoldTimerExpires' }, i * 1000, cfg).state;
      s = transition(s, { type: 'TcpCrAcked' }, i * 1000, cfg).state;
      const r = transition(s, { type: 'BGPOpenMsgErr', notification: { code: 2, subcode: 2 }, reason: 'bad AS' }, i * 1000, cfg);
      s = r.state;
      const h = r.actions.find((a) => a.type === 'start-timer' && a.timer === 'idleHold');
      holds.push(h && h.type === 'start-timer' ? h.seconds : -1);
    }
    expect(holds).toEqual([1, 2, 4, 8, 16, 16, 16]);
    // A session that stayed Established ≥ stableSec starts the backoff again.
    const up = { ...s, name: 'Established' as const, since: 0 };
    const r = transition(up, { type: 'HoldTimerExpires' }, 61_000, cfg);
    expect(r.actions).toContainEqual({ type: 'start-timer', timer: 'idleHold', seconds: 1 });
    const flap = transition({ ...up, failures: 3 }, { type: 'HoldTimerExpires' }, 5_000, cfg);
    expect(flap.actions).toContainEqual({ type: 'start-timer', timer: 'idleHold', seconds: 8 });
  });

  it('stays Idle after ManualStop or a teardown without restart', () => {
    const stopped = transition(at('Established'), { type: 'ManualStop' }, 0, cfg).state;
    expect(transition(stopped, { type: 'IdleHoldTimerExpires' }, 1, cfg).state.name).toBe('Idle');
    const torn = transition(at('Established'), { type: 'AutomaticStop', reason: 'max-prefix', notification: { code: 6, subcode: 1 } }, 0, cfg).state;
    expect(torn.autoRestart).toBe(false);
    expect(transition(torn, { type: 'AutomaticStart' }, 1, cfg).state.name).toBe('Idle');
    expect(transition(torn, { type: 'ManualStart' }, 1, cfg).state.name).toBe('Connect');
  });
});
