import type { Worker } from 'bullmq';
import { QueueName } from '@returns/contracts';
import { PROCESSORS } from '../apps/worker/src/workers.module';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

function workersOf(service: TestService): { queue: QueueName; worker: Worker }[] {
  return (Object.keys(PROCESSORS) as QueueName[]).map((queue) => ({ queue, worker: service.get<{ worker: Worker }>(PROCESSORS[queue]).worker }));
}

/**
 * WORKER_LOCK_DURATION shorter than BullMQ's 30 s, as an operator sets it to get a killed pod's
 * jobs back sooner on Double-11 (the chaos tests use 2s and 5s): a job still running keeps its
 * lock, renewed at half the duration, however long its provider call takes. Before, the lock
 * was taken for the setting but renewed on BullMQ's defaults, and a live job was declared
 * stalled and run a second time beside the first.
 */
describe('WORKER_LOCK_DURATION shorter than 30 s', () => {
  let service: TestService;

  beforeAll(async () => {
    // Provider calls here take 1.5-3 s, as a real courier API may: longer than the lock.
    service = await TestService.start({
      withWorkers: true,
      env: { WORKER_LOCK_DURATION: '1s', WORKER_STALLED_INTERVAL: '500ms', SIMULATOR_LATENCY: '3s' },
    });
  });

  afterAll(() => service?.close());

  it('keeps the lock of a job still running past the lock duration: nothing is declared stalled or run twice', async () => {
    const stalled: string[] = [];
    for (const { queue, worker } of workersOf(service)) worker.on('stalled', (jobId: string) => stalled.push(`${queue}:${jobId}`));
    const lockManager = (service.get<{ worker: Worker }>(PROCESSORS[QueueName.Logistics]).worker as unknown as { lockManager: { opts: { lockDuration: number; lockRenewTime: number } } }).lockManager;

    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    expect(created.status).toBe(202);
    await service.waitForStatus(created.body.id, 'AWAITING_SHIPMENT', 30_000);
    await new Promise((r) => setTimeout(r, 3_000)); // the label message (notification, 1.5-3 s) too

    expect({ stalled, lockManager: { lockDuration: lockManager.opts.lockDuration, lockRenewTime: lockManager.opts.lockRenewTime } }).toEqual({
      stalled: [],
      lockManager: { lockDuration: 1000, lockRenewTime: 500 },
    });
  });
});
