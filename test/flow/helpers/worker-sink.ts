// A sink module for the threaded collector (flow.decodeThreads 1): it runs in the decode worker,
// sums records per flow key like summingSink, and hands the sums back at stop through result().
import { summingSink } from './fixtures.ts';
import type { FlowSink } from '../../../src/flow/index.ts';

export function createFlowSink(options: { throwOnPort?: number } = {}): FlowSink & { result(): unknown } {
  const s = summingSink();
  return {
    flow(r) {
      if (options.throwOnPort !== undefined && r.dstPort === options.throwOnPort) throw new Error(`sink refused port ${r.dstPort}`);
      s.flow(r);
    },
    result: () => [...s.sums.entries()],
  };
}
