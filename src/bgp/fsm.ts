/**
 * The BGP finite state machine of RFC 4271 §8 as a pure function `(state, event, now) → {state, actions}`.
 * Timers and sockets live outside: the FSM asks for them through actions. Every state change records
 * its reason. Errors that drop a session to Idle start an IdleHold timer that doubles on consecutive
 * failures (RFC 4271 §8.1.1 DampPeerOscillations) and resets once a session stayed up `stableSec`.
 */

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface FsmConfig {
  passive: boolean;
  connectRetrySec: number;
  /** Hold time used until OPENs are exchanged (RFC 4271 §8.2.2 suggests 4 minutes). */
  largeHoldSec: number;
  idleHoldSec: number;
  maxIdleHoldSec: number;
  stableSec: number;
}

export const DEFAULT_FSM_CONFIG: FsmConfig = {
  passive: false,
  connectRetrySec: 10,
  largeHoldSec: 240,
  idleHoldSec: 1,
  maxIdleHoldSec: 120,
  stableSec: 60,
};

export interface FsmState {
  name: FsmStateName;
  since: number;
  reason: string;
  connectRetryCounter: number;
  /** Consecutive failures; drives the IdleHold backoff. */
  failures: number;
  /** Negotiated hold time (0 = no keepalives) once OPENs are exchanged. */
  holdTime: number;
  /** After ManualStop, or a teardown without restart, the FSM stays Idle. */
  autoRestart: boolean;
}

export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold';

export interface NotificationSpec {
  code: number;
  subcode: number;
  data?: Uint8Array;
  shutdownMessage?: string;
}

export type FsmEvent =
  | { type: 'ManualStart' }
  | { type: 'ManualStop'; reason?: string; shutdownMessage?: string }
  | { type: 'AutomaticStart' }
  /** A local policy stop (e.g. max-prefix): notify, then restart after `restartAfterSec` or never. */
  | { type: 'AutomaticStop'; reason: string; notification: NotificationSpec; restartAfterSec?: number }
  | { type: 'ConnectRetryTimerExpires' }
  | { type: 'IdleHoldTimerExpires' }
  | { type: 'HoldTimerExpires' }
  /** RFC 9687: our writes made no progress for the send hold time (the peer stopped reading). */
  | { type: 'SendHoldTimerExpires' }
  | { type: 'KeepaliveTimerExpires' }
  | { type: 'TcpConnectionConfirmed'; reason?: string }
  | { type: 'TcpCrAcked'; reason?: string }
  | { type: 'TcpConnectionFails'; reason: string }
  | { type: 'BGPOpen'; holdTime: number }
  | { type: 'BGPHeaderErr'; notification: NotificationSpec; reason: string }
  | { type: 'BGPOpenMsgErr'; notification: NotificationSpec; reason: string }
  | { type: 'UpdateMsgErr'; notification: NotificationSpec; reason: string }
  | { type: 'OpenCollisionDump'; reason: string }
  | { type: 'NotifMsg'; reason: string }
  | { type: 'KeepAliveMsg' }
  | { type: 'UpdateMsg' }
  | { type: 'RouteRefreshMsg' };

export type FsmAction =
  | { type: 'connect' }
  | { type: 'disconnect' }
  | { type: 'send-open' }
  | { type: 'send-keepalive' }
  | { type: 'send-notification'; notification: NotificationSpec }
  | { type: 'start-timer'; timer: TimerName; seconds: number }
  | { type: 'stop-timer'; timer: TimerName }
  /** Cheap hold-timer restart: the driver records the time of the last message. */
  | { type: 'touch-hold' }
  | { type: 'established' }
  /** The session left Established or OpenConfirm: release its routes (RFC 4271 §8.2.2 "release all BGP resources"). */
  | { type: 'release' };

export interface FsmResult {
  state: FsmState;
  actions: FsmAction[];
}

export function initialFsmState(now: number): FsmState {
  return { name: 'Idle', since: now, reason: 'configured', connectRetryCounter: 0, failures: 0, holdTime: 0, autoRestart: true };
}

const CEASE = 6;
const FSM_ERROR = 5;
const HOLD_EXPIRED = 4;
/** RFC 6608 subcodes: unexpected message in OpenSent / OpenConfirm / Established. */
const FSM_SUBCODE: Partial<Record<FsmStateName, number>> = { OpenSent: 1, OpenConfirm: 2, Established: 3 };

function to(s: FsmState, name: FsmStateName, now: number, reason: string, patch: Partial<FsmState> = {}): FsmState {
  return { ...s, ...patch, name, since: name === s.name ? s.since : now, reason };
}

const STOP_ALL: FsmAction[] = [
  { type: 'stop-timer', timer: 'connectRetry' },
  { type: 'stop-timer', timer: 'hold' },
  { type: 'stop-timer', timer: 'keepalive' },
];

/**
 * Drop to Idle after an error: count the failure and arm the IdleHold timer with exponential backoff.
 * A session that had been Established for at least stableSec starts the count afresh.
 */
function fail(s: FsmState, now: number, cfg: FsmConfig, reason: string, pre: FsmAction[]): FsmResult {
  const wasStable = s.name === 'Established' && now - s.since >= cfg.stableSec * 1000;
  const failures = wasStable ? 1 : s.failures + 1;
  const hold = Math.min(cfg.maxIdleHoldSec, cfg.idleHoldSec * 2 ** (failures - 1));
  const actions: FsmAction[] = [...pre, { type: 'disconnect' }, ...STOP_ALL, { type: 'release' }];
  if (s.autoRestart) actions.push({ type: 'start-timer', timer: 'idleHold', seconds: hold });
  return { state: to(s, 'Idle', now, reason, { failures, connectRetryCounter: s.connectRetryCounter + 1, holdTime: 0 }), actions };
}

function start(s: FsmState, now: number, cfg: FsmConfig, reason: string): FsmResult {
  const actions: FsmAction[] = [{ type: 'stop-timer', timer: 'idleHold' }, { type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }];
  if (cfg.passive) return { state: to(s, 'Active', now, reason, { autoRestart: true }), actions };
  actions.push({ type: 'connect' });
  return { state: to(s, 'Connect', now, reason, { autoRestart: true }), actions };
}

function openSent(s: FsmState, now: number, cfg: FsmConfig, reason: string): FsmResult {
  return {
    state: to(s, 'OpenSent', now, reason),
    actions: [
      { type: 'stop-timer', timer: 'connectRetry' },
      { type: 'send-open' },
      { type: 'start-timer', timer: 'hold', seconds: cfg.largeHoldSec },
    ],
  };
}

function notifyAndFail(s: FsmState, now: number, cfg: FsmConfig, n: NotificationSpec, reason: string): FsmResult {
  return fail(s, now, cfg, reason, [{ type: 'send-notification', notification: n }]);
}

function unexpected(s: FsmState, now: number, cfg: FsmConfig, e: FsmEvent): FsmResult {
  const sub = FSM_SUBCODE[s.name];
  const reason = `unexpected ${e.type} in ${s.name}`;
  if (sub !== undefined) return notifyAndFail(s, now, cfg, { code: FSM_ERROR, subcode: sub }, reason);
  return fail(s, now, cfg, reason, []);
}

function keepaliveTimers(hold: number): FsmAction[] {
  if (hold === 0) return [{ type: 'stop-timer', timer: 'hold' }, { type: 'stop-timer', timer: 'keepalive' }];
  return [
    { type: 'start-timer', timer: 'hold', seconds: hold },
    { type: 'start-timer', timer: 'keepalive', seconds: Math.max(1, Math.floor(hold / 3)) },
  ];
}

export function transition(s: FsmState, e: FsmEvent, now: number, cfg: FsmConfig = DEFAULT_FSM_CONFIG): FsmResult {
  // Events valid in every state.
  if (e.type === 'ManualStop') {
    const reason = e.reason ?? 'stopped by operator';
    const actions: FsmAction[] = [];
    if (s.name === 'OpenSent' || s.name === 'OpenConfirm' || s.name === 'Established') {
      const n: NotificationSpec = { code: CEASE, subcode: 2 };
      if (e.shutdownMessage !== undefined) n.shutdownMessage = e.shutdownMessage;
      actions.push({ type: 'send-notification', notification: n });
    }
    actions.push({ type: 'disconnect' }, ...STOP_ALL, { type: 'stop-timer', timer: 'idleHold' }, { type: 'release' });
    return { state: to(s, 'Idle', now, reason, { connectRetryCounter: 0, autoRestart: false, holdTime: 0 }), actions };
  }
  if (e.type === 'SendHoldTimerExpires' && (s.name === 'OpenSent' || s.name === 'OpenConfirm' || s.name === 'Established')) {
    return notifyAndFail(s, now, cfg, { code: 8, subcode: 0 }, 'send hold timer expired: the peer stopped reading');
  }
  if (e.type === 'AutomaticStop') {
    const actions: FsmAction[] = [];
    if (s.name === 'OpenSent' || s.name === 'OpenConfirm' || s.name === 'Established') actions.push({ type: 'send-notification', notification: e.notification });
    actions.push({ type: 'disconnect' }, ...STOP_ALL, { type: 'release' });
    const restart = e.restartAfterSec !== undefined;
    if (restart) actions.push({ type: 'start-timer', timer: 'idleHold', seconds: e.restartAfterSec! });
    return { state: to(s, 'Idle', now, e.reason, { autoRestart: restart, holdTime: 0 }), actions };
  }

  switch (s.name) {
    case 'Idle':
      if (e.type === 'ManualStart') return start({ ...s, failures: 0 }, now, cfg, 'started');
      if ((e.type === 'AutomaticStart' || e.type === 'IdleHoldTimerExpires') && s.autoRestart) return start(s, now, cfg, 'automatic restart');
      // RFC 4271 §8.2.2: other events in Idle are ignored (incoming connections are refused by the driver).
      return { state: s, actions: [] };

    case 'Connect':
      switch (e.type) {
        case 'ConnectRetryTimerExpires':
          return {
            state: to(s, 'Connect', now, 'connect retry'),
            actions: [{ type: 'disconnect' }, { type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }, { type: 'connect' }],
          };
        case 'TcpCrAcked':
          return openSent(s, now, cfg, e.reason ?? 'connection established (outgoing)');
        case 'TcpConnectionConfirmed':
          return openSent(s, now, cfg, e.reason ?? 'connection established (incoming)');
        case 'TcpConnectionFails':
          return {
            state: to(s, 'Active', now, e.reason),
            actions: [{ type: 'disconnect' }, { type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }],
          };
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
          return { state: s, actions: [] };
        default:
          return unexpected(s, now, cfg, e);
      }

    case 'Active':
      switch (e.type) {
        case 'ConnectRetryTimerExpires':
          if (cfg.passive) return { state: s, actions: [{ type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }] };
          return {
            state: to(s, 'Connect', now, 'connect retry'),
            actions: [{ type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }, { type: 'connect' }],
          };
        case 'TcpConnectionConfirmed':
          return openSent(s, now, cfg, e.reason ?? 'connection established (incoming)');
        case 'TcpCrAcked':
          return openSent(s, now, cfg, e.reason ?? 'connection established (outgoing)');
        case 'TcpConnectionFails':
          return { state: s, actions: [{ type: 'disconnect' }, { type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }] };
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
          return { state: s, actions: [] };
        default:
          return unexpected(s, now, cfg, e);
      }

    case 'OpenSent':
      switch (e.type) {
        case 'HoldTimerExpires':
          return notifyAndFail(s, now, cfg, { code: HOLD_EXPIRED, subcode: 0 }, 'hold timer expired in OpenSent');
        case 'TcpConnectionFails':
          // RFC 4271 §8.2.2: back to Active and wait for a new connection.
          return {
            state: to(s, 'Active', now, e.reason),
            actions: [{ type: 'disconnect' }, { type: 'stop-timer', timer: 'hold' }, { type: 'start-timer', timer: 'connectRetry', seconds: cfg.connectRetrySec }],
          };
        case 'BGPOpen':
          return {
            state: to(s, 'OpenConfirm', now, 'OPEN received', { holdTime: e.holdTime }),
            actions: [{ type: 'stop-timer', timer: 'connectRetry' }, { type: 'send-keepalive' }, ...keepaliveTimers(e.holdTime)],
          };
        case 'BGPHeaderErr':
        case 'BGPOpenMsgErr':
          return notifyAndFail(s, now, cfg, e.notification, e.reason);
        case 'OpenCollisionDump':
          return notifyAndFail(s, now, cfg, { code: CEASE, subcode: 7 }, e.reason);
        case 'NotifMsg':
          return fail(s, now, cfg, e.reason, []);
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
        case 'ConnectRetryTimerExpires':
          return { state: s, actions: [] };
        default:
          return unexpected(s, now, cfg, e);
      }

    case 'OpenConfirm':
      switch (e.type) {
        case 'HoldTimerExpires':
          return notifyAndFail(s, now, cfg, { code: HOLD_EXPIRED, subcode: 0 }, 'hold timer expired in OpenConfirm');
        case 'KeepaliveTimerExpires':
          return { state: s, actions: [{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive', seconds: Math.max(1, Math.floor(s.holdTime / 3)) }] };
        case 'TcpConnectionFails':
        case 'NotifMsg':
          return fail(s, now, cfg, e.reason, []);
        case 'BGPHeaderErr':
        case 'BGPOpenMsgErr':
          return notifyAndFail(s, now, cfg, e.notification, e.reason);
        case 'OpenCollisionDump':
          return notifyAndFail(s, now, cfg, { code: CEASE, subcode: 7 }, e.reason);
        case 'KeepAliveMsg':
          return { state: to(s, 'Established', now, 'KEEPALIVE received'), actions: [{ type: 'touch-hold' }, { type: 'established' }] };
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
        case 'ConnectRetryTimerExpires':
          return { state: s, actions: [] };
        default:
          return unexpected(s, now, cfg, e);
      }

    case 'Established':
      switch (e.type) {
        case 'HoldTimerExpires':
          return notifyAndFail(s, now, cfg, { code: HOLD_EXPIRED, subcode: 0 }, 'hold timer expired');
        case 'KeepaliveTimerExpires':
          return { state: s, actions: [{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive', seconds: Math.max(1, Math.floor(s.holdTime / 3)) }] };
        case 'KeepAliveMsg':
        case 'UpdateMsg':
        case 'RouteRefreshMsg':
          return { state: s, actions: [{ type: 'touch-hold' }] };
        case 'TcpConnectionFails':
        case 'NotifMsg':
          return fail(s, now, cfg, e.reason, []);
        case 'UpdateMsgErr':
        case 'BGPHeaderErr':
          return notifyAndFail(s, now, cfg, e.notification, e.reason);
        case 'OpenCollisionDump':
          return notifyAndFail(s, now, cfg, { code: CEASE, subcode: 7 }, e.reason);
        case 'ManualStart':
        case 'AutomaticStart':
        case 'IdleHoldTimerExpires':
        case 'ConnectRetryTimerExpires':
          return { state: s, actions: [] };
        default:
          return unexpected(s, now, cfg, e);
      }
  }
}
