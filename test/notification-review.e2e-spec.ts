import { DataSource } from 'typeorm';
import { CaseService } from '@returns/case';
import { signBody } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { NotificationChannel, NotificationService, OutgoingMessage, WebhookService } from '@returns/notification';
import { postReturn, putOrder } from './support/api-helpers';
import { orderBody, returnBody } from './support/factories';
import { localServer, LocalServer } from './support/local-server';
import { TestService } from './support/service';

/**
 * Customer messages and outbound webhooks at their edges: what a subscriber's endpoint
 * answers, and what a customer's record says between two attempts of one message. The
 * services run on the real database; the endpoints and providers are local stand-ins.
 */
describe('customer messages and webhooks at their edges', () => {
  let service: TestService;

  beforeAll(async () => {
    // No workers: the test calls the services itself.
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  /** A customer as the order factory makes one, with a fresh id. */
  const putOrderCustomer = () => ({ ...orderBody().customer });

  /** A return judged APPROVED by the intake stage; its case id and order. */
  async function approvedCase(orderOverrides: Record<string, unknown> = {}): Promise<{ caseId: string; orderId: string; order: Record<string, any> }> {
    const { orderId, order } = await putOrder(service, orderOverrides);
    const created = await postReturn(service, returnBody(orderId));
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    expect((await service.get(CaseService).find(created.body.id))!.status).toBe('APPROVED');
    return { caseId: created.body.id, orderId, order };
  }

  /** The webhook stage delivering to `urls` alone. */
  const webhooksTo = (...urls: string[]) =>
    new WebhookService(service.get(DataSource), { ...service.config, outboundWebhookUrls: urls }, service.get(CaseService), service.get(InspectionService));

  describe('customer messages', () => {
    /** Delivers every message except those of the channels `down`, which time out (the outcome not known). */
    class Provider implements NotificationChannel {
      readonly sent: OutgoingMessage[] = [];
      readonly down = new Set<string>();
      async send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
        this.sent.push(message);
        if (this.down.has(message.channel)) throw new Error(`${message.channel} provider timed out`);
        return { providerMessageId: `pm-${message.messageId}` };
      }
    }

    /** An approved case whose customer has a phone only, and the messages' stage on a provider whose SMS is down. */
    async function reachedBySmsOnly() {
      const approved = await approvedCase({ customer: { ...putOrderCustomer(), pushToken: undefined, wechatOpenId: undefined, email: undefined } });
      const provider = new Provider();
      provider.down.add('SMS');
      return { ...approved, provider, notifications: new NotificationService(service.get(DataSource), provider) };
    }

    const rows = (caseId: string) =>
      service.db.query(`SELECT channel, recipient, status FROM notifications WHERE case_id = $1 ORDER BY channel`, [caseId]) as Promise<{ channel: string; recipient: string; status: string }[]>;

    it('tells a moment on one instant channel only, though the customer gained a quicker one between two attempts', async () => {
      const { caseId, orderId, order } = await approvedCase({
        customer: { ...putOrderCustomer(), pushToken: undefined, wechatOpenId: undefined },
      });
      const provider = new Provider();
      const notifications = new NotificationService(service.get(DataSource), provider);
      provider.down.add('EMAIL');
      const [first] = await notifications.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }]);
      expect(first?.message).toMatch(/EMAIL/);
      expect(await rows(caseId)).toEqual([
        { channel: 'EMAIL', recipient: order.customer.email, status: 'PENDING' },
        { channel: 'SMS', recipient: order.customer.phone, status: 'SENT' },
      ]);

      // Before the job's retry, upstream sends the order again: the customer installed the app.
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, customer: { ...order.customer, pushToken: 't-new' } })).status).toBe(200);
      provider.down.clear();
      provider.sent.length = 0;
      expect(await notifications.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }])).toEqual([null]);
      // Only the email still owed is sent: the SMS told the moment, no push tells it again.
      expect(provider.sent.map((m) => m.channel)).toEqual(['EMAIL']);
      expect((await rows(caseId)).map((r) => [r.channel, r.status])).toEqual([
        ['EMAIL', 'SENT'],
        ['SMS', 'SENT'],
      ]);
      // A later moment goes to the quicker channel.
      provider.sent.length = 0;
      expect(await notifications.sendMany([{ caseId, message: 'return.received', params: {}, lastAttempt: false }])).toEqual([null]);
      expect(provider.sent.map((m) => m.channel).sort()).toEqual(['EMAIL', 'PUSH']);
    });

    it('retries a message a channel did not take on that channel, though the customer since lost it', async () => {
      // The SMS provider times out on the first attempt: the outcome is not known.
      const { caseId, orderId, order, provider, notifications } = await reachedBySmsOnly();
      const { sent } = provider;
      expect((await notifications.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }]))[0]?.message).toMatch(/SMS/);

      // Upstream now has the customer on WeChat instead of by phone.
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, customer: { ...order.customer, phone: undefined, wechatOpenId: 'o-new' } })).status).toBe(200);
      provider.down.clear();
      sent.length = 0;
      expect(await notifications.sendMany([{ caseId, message: 'return.approved', params: {}, lastAttempt: false }])).toEqual([null]);
      // The SMS is tried again under its id (the provider may have delivered it): no WeChat message besides.
      expect(sent.map((m) => [m.channel, m.recipient])).toEqual([['SMS', order.customer.phone]]);
      expect((await rows(caseId)).map((r) => [r.channel, r.status])).toEqual([['SMS', 'SENT']]);
    });

    it('says on a channel the customer gained what the moment first said, when recovery puts its job back without its parameters', async () => {
      const { caseId, orderId, order, provider, notifications } = await reachedBySmsOnly();
      const { sent } = provider;
      const params = { amount: '99.00 CNY', method: 'alipay' };
      expect((await notifications.sendMany([{ caseId, message: 'refund.succeeded', params, lastAttempt: false }]))[0]).not.toBeNull();
      const [{ body }] = await service.db.query(`SELECT body FROM notifications WHERE case_id = $1`, [caseId]);
      expect(body).toContain('99.00 CNY');

      // The job was lost; meanwhile the customer gave an email address. Recovery puts the job
      // back from the PENDING record, which has no parameters but what the message said.
      expect((await service.as('upstream').put(`/v1/orders/${orderId}`, { ...order, customer: { ...order.customer, email: 'new@example.com' } })).status).toBe(200);
      const [recovered] = (await notifications.owedSince(new Date(Date.now() - 60_000))).filter((job) => job.jobId?.includes(caseId));
      expect(recovered.data).toMatchObject({ caseId, message: 'refund.succeeded', params: {} });
      provider.down.clear();
      sent.length = 0;
      const { message, params: recoveredParams } = recovered.data as { message: 'refund.succeeded'; params: Record<string, string> };
      expect(await notifications.sendMany([{ caseId, message, params: recoveredParams, lastAttempt: false }])).toEqual([null]);
      expect(sent.map((m) => [m.channel, m.body])).toEqual([
        ['SMS', body],
        ['EMAIL', body],
      ]);
    });
  });

  describe('webhooks', () => {
    let endpoint: LocalServer;
    const received: { method: string; path: string; body: string; signature: unknown }[] = [];

    beforeAll(async () => {
      // /moved-permanently and /moved redirect (as an http -> https move or a renamed path
      // would); /moved-here takes what comes to it, as a page that answers GET would.
      endpoint = await localServer((req, text, res) => {
        received.push({ method: req.method!, path: req.url!, body: text, signature: req.headers['x-signature'] });
        if (req.url === '/moved-permanently') res.writeHead(301, { location: '/moved-here' }).end();
        else if (req.url === '/moved') res.writeHead(302, { location: '/moved-here' }).end();
        else res.writeHead(200).end('ok');
      });
    });

    afterAll(() => endpoint.close());

    it.each(['/moved-permanently', '/moved'])('counts an endpoint that redirects (%s) as not delivered, and posts the event nowhere else', async (path) => {
      const { caseId } = await approvedCase();
      const url = `${endpoint.url}${path}`;
      received.length = 0;
      await expect(webhooksTo(url).deliver(caseId, 'return.approved', new Date())).rejects.toThrow(/answered 30[12]/);
      // What the endpoint got: the signed post, and nothing sent on to where it pointed.
      expect(received.map((r) => [r.method, r.path])).toEqual([['POST', path]]);
      expect(received[0].signature).toBe(signBody(received[0].body, service.config.webhookSecret));
      const [delivery] = await service.db.query(`SELECT status, attempts, last_error FROM webhook_deliveries WHERE case_id = $1 AND url = $2`, [caseId, url]);
      expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, last_error: expect.stringMatching(/answered 30[12]/) });
    });
  });
});
