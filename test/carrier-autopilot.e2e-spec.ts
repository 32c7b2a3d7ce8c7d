import { createServer } from 'node:net';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('carrier simulator autopilot', () => {
  let service: TestService;

  beforeAll(async () => {
    const port = await freePort();
    service = await TestService.start({
      withWorkers: true,
      env: { CARRIER_SIMULATOR_AUTOPILOT: 'true', CARRIER_AUTOPILOT_STEP: '300ms', PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
    });
    await service.app.listen(port, '127.0.0.1');
  });

  afterAll(() => service.close());

  it('posts the parcel scans to the tracking webhook by itself, moving the case to IN_TRANSIT', async () => {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    await service.waitForStatus(created.body.id, 'IN_TRANSIT');
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const view = (await service.as('admin').get(`/v1/returns/${created.body.id}`)).body;
      // Stored, then applied by a logistics job: wait for both.
      if (view.shipment.events.length === 3 && view.shipment.status === 'DELIVERED_TO_WAREHOUSE') break;
    }
    const view = (await service.as('admin').get(`/v1/returns/${created.body.id}`)).body;
    expect(view.shipment.events.map((e: { status: string }) => e.status)).toEqual(['PICKED_UP', 'IN_TRANSIT', 'DELIVERED_TO_WAREHOUSE']);
    expect(view.shipment.status).toBe('DELIVERED_TO_WAREHOUSE');
    // The warehouse still scans it in: the carrier's word alone does not make it RECEIVED.
    expect(view.status).toBe('IN_TRANSIT');
  });
});
