/**
 * Worker threads started by the code under test, captured so a test can stop one as a crash
 * would (`worker.terminate()`). Used from a test file as
 * `vi.mock('node:worker_threads', async (real) => (await import('../support/captured-workers.ts')).capturing(await real()))`.
 */
import type * as WorkerThreads from 'node:worker_threads';

/** Every Worker started since the test file loaded, in order. */
export const startedWorkers: WorkerThreads.Worker[] = [];

export function capturing(real: typeof WorkerThreads): typeof WorkerThreads {
  class CapturedWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      startedWorkers.push(this);
    }
  }
  return { ...real, Worker: CapturedWorker };
}
