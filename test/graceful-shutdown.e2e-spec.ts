import { QueueName } from '@returns/contracts';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

describe('graceful shutdown', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it('finishes the job under way on SIGTERM, then exits within the grace period', async () => {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    // Carrier calls take 3-6 s, so the booking is surely under way when SIGTERM comes.
    const worker = await service.spawnWorker({ WORKER_QUEUES: 'intake,logistics', SIMULATOR_LATENCY: '6s', SHUTDOWN_GRACE: '20s' });
    const logistics = service.queue(QueueName.Logistics);
    for (const deadline = Date.now() + 10_000; (await logistics.getActiveCount()) === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(await logistics.getActiveCount()).toBe(1);

    const stoppedAt = Date.now();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.kill('SIGTERM');
    await exited;
    expect(Date.now() - stoppedAt).toBeLessThan(20_000);

    // No other worker ran: the one told to stop finished the booking before it went.
    const view = (await service.as('admin').get(`/v1/returns/${created.body.id}`)).body;
    expect(view.status).toBe('AWAITING_SHIPMENT');
    expect(await logistics.getActiveCount()).toBe(0);
    const [job] = await logistics.getJobs(['completed']);
    expect(job.data.caseId).toBe(created.body.id);

    // What the booking decided reached Redis before the process went (a worker's batch does
    // not wait for its adds; shutdown does), rather than being left to the outbox sweep.
    const told = await service.queue(QueueName.Notification).getJobs(['waiting', 'prioritized']);
    expect(told.filter((j) => j.data.caseId === created.body.id).map((j) => j.data.message)).toContain(view.shipment.method === 'PICKUP' ? 'pickup.booked' : 'label.ready');
    expect(await service.queue(QueueName.Timers).getJob(`timers:${created.body.id}:ship-back`)).toBeTruthy();
    expect(await service.db.query('SELECT job_id FROM outbox WHERE job_id LIKE $1', [`%${created.body.id}%`])).toEqual([]);
  }, 40_000);
});
