import { QueueName } from '@returns/contracts';
import { TestService } from './support/service';

/** The admin's pages: the dashboard at /admin and Bull Board at /admin/queues (admins only). */
describe('admin pages', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  it('serves the dashboard page without a key: it asks for one, and reads the admin API with it', async () => {
    const page = await service.http().get('/admin');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    for (const used of ['/v1/admin/queues', '/v1/admin/analytics/reasons', '/v1/admin/analytics/stages', '/v1/admin/analytics/feedback', '/v1/admin/sla/breaches', 'Authorization', '/admin/queues']) {
      expect(page.text).toContain(used);
    }
    // Values go in as text, never as HTML.
    expect(page.text).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
    expect((await service.http().get('/admin/')).status).toBe(200);
    expect((await service.http().post('/admin').send({})).status).toBe(404);
  });

  it('serves Bull Board to admins only: by header or by the cookie the dashboard sets', async () => {
    expect((await service.http().get('/admin/queues')).status).toBe(401);
    expect((await service.http().get('/admin/queues').set('Authorization', 'Bearer not-a-key')).status).toBe(401);
    const agent = await service.http().get('/admin/queues').set('Authorization', 'Bearer dev-agent');
    expect(agent.status).toBe(403);
    expect(agent.body.code).toBe('FORBIDDEN_ROLE');

    const byHeader = await service.http().get('/admin/queues').set('Authorization', 'Bearer dev-admin');
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers['content-type']).toMatch(/^text\/html/);
    const byCookie = await service.http().get('/admin/queues/api/queues').set('Cookie', 'other=1; returns_admin_key=dev-admin');
    expect(byCookie.status).toBe(200);
    // Every queue of the service, under its prefix.
    expect(byCookie.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(Object.values(QueueName).sort());
    expect((await service.http().get('/admin/queues/api/queues').set('Cookie', 'returns_admin_key=dev-finance')).status).toBe(403);
  });
});
