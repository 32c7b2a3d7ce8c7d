import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { orderBody, returnBody, uniqueId } from './factories';
import { TestService } from './service';

/** Drives a fresh return over HTTP from the order to REFUNDED; returns the final view. */
export async function driveToRefunded(service: TestService, options: { returnMethod?: 'PICKUP' | 'DROP_OFF' } = {}) {
  const orderId = uniqueId('o');
  await service.as('upstream').put(`/v1/orders/${orderId}`, orderBody()).expect(200);
  const created = await service
    .as('portal')
    .post('/v1/returns', returnBody(orderId, { returnMethod: options.returnMethod ?? 'DROP_OFF' }), { 'Idempotency-Key': uniqueId('key') })
    .expect(202);
  const caseId: string = created.body.id;
  const awaiting = await service.waitForStatus(caseId, 'AWAITING_SHIPMENT');
  const { carrier, trackingNumber } = awaiting.shipment;
  await service
    .as('carrier')
    .post('/v1/logistics/tracking', { carrier, trackingNumber, status: 'PICKED_UP', occurredAt: new Date().toISOString() })
    .expect(202);
  await service.waitForStatus(caseId, 'IN_TRANSIT');
  await service.as('warehouse').post(`/v1/returns/${caseId}/receive`).expect(200);
  await service
    .as('warehouse')
    .post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-01', items: [{ sku: 'S1', quantity: 1, condition: 'NEW', checks: { tagsAttached: true } }] })
    .expect(202);
  const view = await service.waitForStatus(caseId, 'REFUNDED');
  await service.drain();
  return view;
}

/** Adds a job under a fresh id (a replay, as after a crash) and waits until a worker finished it. */
export async function replay(queue: Queue, name: string, data: object, timeoutMs = 15_000): Promise<void> {
  const job = await queue.add(name, data, { jobId: `replay-${randomUUID()}`, attempts: 1 });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await job.getState();
    if (state === 'completed') return;
    if (state === 'failed') {
      const failed = await queue.getJob(job.id!);
      throw new Error(`replayed ${name} failed: ${failed?.failedReason}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`replayed ${name} did not finish in ${timeoutMs} ms`);
}
