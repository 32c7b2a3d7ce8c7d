import { AddressInfo } from 'node:net';
import { Browser, chromium } from 'playwright-core';
import { IntakeService } from '@returns/intake';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * The dashboard in a real browser (Debian's Chromium, headless): the key asked for once,
 * the admin API read with it, the tables drawn, Bull Board opened with the cookie it sets,
 * and a key that is not an admin's turned away.
 */
describe('admin dashboard in a browser', () => {
  let service: TestService;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
    const server = service.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('asks for the key once, then shows the queues and analytics, and opens Bull Board', async () => {
    // A notice for the agents, as the sent-back parcel's loss leaves one.
    const { orderId } = await putOrder(service);
    const created = (await postReturn(service, returnBody(orderId))).body;
    const caseId = created.id;
    expect(created.rmaNumber).toMatch(/^RMA-/);
    await service.get(IntakeService).judge(caseId);
    await service.db.query(
      `INSERT INTO staff_notifications (case_id, kind, audience, message) VALUES ($1, 'sent-back-lost', 'agents', 'the item sent back to the customer was lost by the carrier')`,
      [caseId],
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    await page.locator('#key').fill('dev-admin');
    await page.locator('#login button').click();
    // A row per queue, from GET /v1/admin/queues.
    await page.locator('#queues tr', { hasText: 'intake' }).waitFor();
    expect(await page.locator('#queues tr').count()).toBe(1 + 7);
    await page.locator('#stages th', { hasText: 'p95' }).waitFor();
    await page.locator('#breaches-total').filter({ hasText: 'in all' }).waitFor();
    await page.locator('#feedback').filter({ hasText: 'surveys' }).waitFor();
    expect(await page.locator('#ratings tr').count()).toBe(1 + 5);
    // Other suites of the run share the database and leave notices of their own: find this case's.
    await page.locator('#notices tr', { hasText: created.rmaNumber }).filter({ hasText: 'was lost by the carrier' }).waitFor();
    expect(await page.locator('#error').textContent()).toBe('');

    // Kept: a reload asks for nothing.
    await page.reload();
    await page.locator('#queues tr', { hasText: 'notification' }).waitFor();
    expect(await page.locator('#login').isHidden()).toBe(true);

    // Bull Board, with the cookie the page set (a browser sends no Authorization header to it).
    const board = await context.newPage();
    const opened = await board.goto(`${base}/admin/queues`);
    expect(opened!.status()).toBe(200);
    await board.locator('text=intake').first().waitFor();

    // Forgetting the key asks for it again, and Bull Board turns the browser away.
    await page.locator('#forget').click();
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect((await board.goto(`${base}/admin/queues`))!.status()).toBe(401);
    await context.close();
  });

  it('turns away a key that is not an admin key, and asks again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    await page.locator('#key').fill('dev-agent');
    await page.locator('#login button').click();
    await page.locator('#error', { hasText: 'not an admin key' }).waitFor();
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.evaluate("localStorage.getItem('returns_admin_key')")).toBeNull();
    await context.close();
  });
});
