// A sink module for the threaded collector (flow.decodeThreads 1): it runs in the decode worker,
// sums records per flow key like summingSink, and hands the sums back at stop through result().
import { existsSync, writeFileSync } from 'node:fs';
import { summingSink } from './fixtures.ts';
import type { WorkerSink, WorkerSinkContext } from '../../../src/flow/collector-worker.ts';

interface Options { throwOnPort?: number; echo?: boolean; slowMs?: number; crashAfterMs?: number; crashOnceFile?: string }

export function createFlowSink(options: Options = {}, ctx?: WorkerSinkContext): WorkerSink {
  const s = summingSink();
  let slowed = false;
  // an exception outside the decode loop (a sink timer) kills the worker thread
  // crashOnceFile: only the first worker does (the marker file tells a restarted one not to)
  const crash = options.crashAfterMs !== undefined && !(options.crashOnceFile && existsSync(options.crashOnceFile));
  if (crash) {
    if (options.crashOnceFile) writeFileSync(options.crashOnceFile, '');
    setTimeout(() => { throw new Error('sink timer failed'); }, options.crashAfterMs);
  }
  return {
    flow(r) {
      if (options.throwOnPort !== undefined && r.dstPort === options.throwOnPort) throw new Error(`sink refused port ${r.dstPort}`);
      if (options.slowMs && !slowed) {
        // the first record stalls the decode thread once, so the socket buffer overflows behind it
        slowed = true;
        const until = Date.now() + options.slowMs;
        while (Date.now() < until);
      }
      s.flow(r);
    },
    message(data) {
      if (options.echo) ctx?.post({ echo: data });
    },
    close() {
      if (options.echo) ctx?.post({ closed: true });
    },
    result: () => [...s.sums.entries()],
  };
}
