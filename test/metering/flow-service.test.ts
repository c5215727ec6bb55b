// The collector as a service: a decode worker that dies is started again and the restart is
// counted in Prometheus (bandex_flow_worker_restarts_total).
import { expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { createFlowService, flowConfigDefaults } from '../../src/metering/index.ts';
import type { MeteringWorkerOptions, MeteringWorkerSpec } from '../../src/metering/index.ts';

it('a dead decode worker is restarted and counted in bandex_flow_worker_restarts_total', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bxf-svc-'));
  const reporter = createReporter({ destination: false });
  // the test sink module (it crashes once, from a timer, as a faulty sink would)
  const spec: MeteringWorkerSpec = {
    module: fileURLToPath(new URL('../flow/helpers/worker-sink.ts', import.meta.url)),
    options: { crashAfterMs: 50, crashOnceFile: join(dir, 'crashed') } as unknown as MeteringWorkerOptions,
    onMessage: () => {},
    follow: () => () => {},
  };
  const svc = createFlowService(
    { clock: new ManualClock(0), reporter, sink: { flow: () => {}, worker: () => spec } },
    { ...flowConfigDefaults, listen: '127.0.0.1:0', decodeThreads: 1 },
  );
  const restarts = async () => (await reporter.registry.getSingleMetric('bandex_flow_worker_restarts_total')!.get()).values[0]?.value ?? 0;
  try {
    await svc.start();
    expect(await restarts()).toBe(0);
    for (let i = 0; i < 1000 && (await restarts()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await restarts()).toBe(1);
    expect(svc.stats().listening).toBe(true);
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
