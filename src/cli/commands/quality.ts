/**
 * `bandex quality …` (the quality database through the API), `bandex probe-agent` (runs probe
 * jobs inside a member's network and reports them) and `bandex probe-responder` (the UDP echo
 * responder the UDP prober measures against; it can emulate delay and loss).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createProbeAgent, createUdpResponder, probeAgentDefaults } from '../../quality/index.ts';
import { ApiClient, CliError, action, globalOptions } from '../client.ts';
import { print, table } from '../output.ts';

const collect = (v: string, prev: string[]) => [...prev, v];
const num = (v: string): number | string => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
const fmt = (x: unknown) => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(3)) : x);

function readText(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new CliError('FILE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, 2);
  }
}

export function splitHostPort(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new CliError('BAD_LISTEN', `--listen must be HOST:PORT or [V6]:PORT, got ${s}`, 2);
  return { host: m[1], port: Number(m[2]) };
}

export function register(program: Command): void {
  const q = program.command('quality').description('quality database: measured latency, loss and response-time classes (A4, B6)');

  q.command('show')
    .description('statistics and class of a provider, optionally towards a destination')
    .requiredOption('--provider <memberId>')
    .option('--destination <cidr>', 'CIDR, any4 or any6')
    .action(
      action(async (o: { provider: string; destination?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const qs = new URLSearchParams({ provider: o.provider, ...(o.destination ? { destination: o.destination } : {}) });
        const r = await new ApiClient(g).request('GET', `/v1/quality?${qs.toString()}`);
        print(g, r, () => {
          const head = `provider ${r.provider}: class ${r.responseClass ?? '-'}${r.classReason ? ` (${r.classReason})` : ''}\n`;
          const rows = (r.series as Record<string, unknown>[]).map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fmt(v)])));
          return head + table(rows, ['destination', 'verified', 'sent', 'received', 'meanMs', 'medianMs', 'p95Ms', 'jitterMs', 'lossRatio', 'availability', 'responseClass', 'asHops']);
        });
      }),
    );

  q.command('import')
    .description('import third-party measurements: RIPE Atlas ping results (JSON) or CSV (time,provider,destination,target,sent,rtts)')
    .requiredOption('--format <atlas|csv>')
    .requiredOption('--file <path>', 'the file, or - for stdin')
    .option('--provider <memberId>', 'file every result under this provider')
    .option('--probe <prbId=memberId>', 'Atlas probe → provider; repeatable', collect, [])
    .option('--destination <cidr>', 'the destination the results stand for (default: host prefix of the target)')
    .option('--source <label>', 'source label (admin)')
    .action(
      action(async (o: { format: string; file: string; provider?: string; probe: string[]; destination?: string; source?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const probeProviders = Object.fromEntries(
          o.probe.map((p) => {
            const [k, v] = p.split('=');
            if (!k || !v) throw new CliError('BAD_OPTION', `--probe must be PRB_ID=MEMBER_ID, got ${p}`, 2);
            return [k, v];
          }),
        );
        const body = {
          format: o.format,
          data: readText(o.file),
          ...(o.provider ? { provider: o.provider } : {}),
          ...(o.probe.length ? { probeProviders } : {}),
          ...(o.destination ? { destination: o.destination } : {}),
          ...(o.source ? { source: o.source } : {}),
        };
        const r = await new ApiClient(g).request('POST', '/v1/quality/measurements', body);
        print(g, r, () => `stored ${r.stored.length} measurements, skipped ${r.skipped.length}\n`);
      }),
    );

  q.command('post')
    .description('file measurements from a JSON file: an array of {provider,destination,target,at,sent,rtts,…}')
    .requiredOption('--file <path>', 'the file, or - for stdin')
    .action(
      action(async (o: { file: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        let measurements: unknown;
        try {
          measurements = JSON.parse(readText(o.file));
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw new CliError('FILE_NOT_JSON', `${o.file} is not JSON: ${(e as Error).message}`, 2);
        }
        const r = await new ApiClient(g).request('POST', '/v1/quality/measurements', { measurements });
        print(g, r, () => table(r.stored, ['id', 'provider', 'destination', 'source', 'verified', 'sent']));
      }),
    );

  const target = q.command('target').description('probe targets (admin)');
  target
    .command('add')
    .requiredOption('--provider <memberId>')
    .requiredOption('--destination <cidr>')
    .requiredOption('--target <address>')
    .requiredOption('--method <icmp|tcp|udp>')
    .option('--port <port>')
    .option('--count <n>', 'packets per run')
    .option('--lane <lane>', 'exchange (default) or agent:<provider>')
    .option('--source-address <ip>', 'bind to this address (policy routing through the provider)')
    .action(
      action(async (o: Record<string, string | undefined>, cmd: Command) => {
        const g = globalOptions(cmd);
        const body = {
          provider: o.provider,
          destination: o.destination,
          target: o.target,
          method: o.method,
          ...(o.port ? { port: num(o.port) } : {}),
          ...(o.count ? { count: num(o.count) } : {}),
          ...(o.lane ? { lane: o.lane } : {}),
          ...(o.sourceAddress ? { sourceAddress: o.sourceAddress } : {}),
        };
        const t = await new ApiClient(g).request('POST', '/v1/quality/targets', body);
        print(g, t, () => table([t], ['key', 'lane', 'weight', 'dueAt']));
      }),
    );
  target.command('list').action(
    action(async (_o: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const r = await new ApiClient(g).request('GET', '/v1/quality/targets');
      print(g, r.items, () => table(r.items, ['key', 'lane', 'weight', 'lastProbedAt', 'dueAt']));
    }),
  );
  target.command('rm <key>').action(
    action(async (key: string, _o: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      await new ApiClient(g).request('DELETE', `/v1/quality/targets/${encodeURIComponent(key)}`);
      print(g, { removed: key }, () => `removed ${key}\n`);
    }),
  );

  const agent = q.command('agent').description('probe agents (admin)');
  agent
    .command('add')
    .description('register a probe agent for a provider; prints its token once')
    .requiredOption('--provider <memberId>')
    .action(
      action(async (o: { provider: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const a = await new ApiClient(g).request('POST', '/v1/quality/agents', { provider: o.provider });
        print(g, a, () => `${table([a], ['id', 'provider', 'createdAt'])}token (shown once): ${a.token}\n`);
      }),
    );
  agent.command('list').action(
    action(async (_o: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const r = await new ApiClient(g).request('GET', '/v1/quality/agents');
      print(g, r.items, () => table(r.items, ['id', 'provider', 'createdAt', 'revokedAt']));
    }),
  );
  agent.command('revoke <id>').action(
    action(async (id: string, _o: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      await new ApiClient(g).request('DELETE', `/v1/quality/agents/${encodeURIComponent(id)}`);
      print(g, { revoked: id }, () => `revoked ${id}\n`);
    }),
  );

  program
    .command('probe-agent')
    .description('run probe jobs of the exchange from inside a member network (needs an agent token: bandex quality agent add)')
    .option('--source-address <ip>', 'probe from this local address')
    .option('--max-jobs <n>', 'jobs per lease', String(probeAgentDefaults.maxJobs))
    .option('--poll-ms <ms>', 'wait when there is nothing to do', String(probeAgentDefaults.pollMs))
    .option('--packet-interval-ms <ms>', 'gap between packets of a run', String(probeAgentDefaults.packetIntervalMs))
    .option('--packet-timeout-ms <ms>', 'wait for the last reply', String(probeAgentDefaults.packetTimeoutMs))
    .option('--once', 'one lease-run-report round, then exit')
    .action(
      action(async (o: { sourceAddress?: string; maxJobs: string; pollMs: string; packetIntervalMs: string; packetTimeoutMs: string; once?: boolean }, cmd: Command) => {
        const g = globalOptions(cmd);
        if (!g.token) throw new CliError('AUTH_REQUIRED', 'give the agent token with --token or BANDEX_TOKEN', 2);
        const ints = { maxJobs: Number(o.maxJobs), pollMs: Number(o.pollMs), packetIntervalMs: Number(o.packetIntervalMs), packetTimeoutMs: Number(o.packetTimeoutMs) };
        for (const [k, v] of Object.entries(ints)) if (!Number.isFinite(v) || v <= 0) throw new CliError('BAD_OPTION', `--${k} must be a positive number`, 2);
        const a = createProbeAgent({ url: g.url, token: g.token, ...ints, ...(o.sourceAddress ? { sourceAddress: o.sourceAddress } : {}) });
        if (o.once) {
          const n = await a.runOnce();
          print(g, a.counters, () => `ran ${n} jobs, reported ${a.counters.reported}, failed ${a.counters.failed}\n`);
          return;
        }
        process.stdout.write(`probe agent polling ${g.url}\n`);
        a.start();
        await new Promise<void>((resolve) => {
          const stop = () => void a.stop().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        process.stdout.write(`probe agent stopped: leased ${a.counters.leased}, reported ${a.counters.reported}, failed ${a.counters.failed}\n`);
      }),
    );

  program
    .command('probe-responder')
    .description('UDP echo responder for bandex probes; can add delay and drop packets to emulate a path')
    .option('--listen <host:port>', 'address to listen on', '0.0.0.0:7362')
    .option('--delay-ms <ms>', 'hold each reply back this long', '0')
    .option('--jitter-ms <ms>', '± uniform variation of the delay', '0')
    .option('--drop-rate <0..1>', 'share of requests not answered', '0')
    .option('--drop-mode <spread|random>', 'spread: evenly (exact share); random: independently', 'spread')
    .option('--seed <n>', 'seed of the random drop/jitter generator', '1')
    .action(
      action(async (o: { listen: string; delayMs: string; jitterMs: string; dropRate: string; dropMode: string; seed: string }) => {
        const { host, port } = splitHostPort(o.listen);
        if (o.dropMode !== 'spread' && o.dropMode !== 'random') throw new CliError('BAD_OPTION', '--drop-mode must be spread or random', 2);
        let r;
        try {
          r = createUdpResponder({ host, port, delayMs: Number(o.delayMs), jitterMs: Number(o.jitterMs), dropRate: Number(o.dropRate), dropMode: o.dropMode, seed: Number(o.seed) });
        } catch (e) {
          throw new CliError('BAD_OPTION', (e as Error).message, 2);
        }
        const a = await r.start();
        process.stdout.write(`probe responder listening on ${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => void r.stop().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        process.stdout.write(`probe responder stopped: received ${r.counters.received}, echoed ${r.counters.echoed}, dropped ${r.counters.dropped}\n`);
      }),
    );
}
