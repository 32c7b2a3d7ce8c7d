import { AppConfig } from '@returns/config';
import { Jobs } from '@returns/contracts';
import { WebhookService } from './webhook.service';

describe('WebhookService.notYetDelivered', () => {
  it('owes no webhook when no endpoint is configured, and leaves every other job', async () => {
    // With no endpoint, delivering records nothing: every webhook would look owed for ever.
    const webhooks = new WebhookService(undefined as never, { outboundWebhookUrls: [] } as unknown as AppConfig, undefined as never, undefined as never);
    const message = Jobs.notify('c-1', 'return.received', {});
    const booking = Jobs.bookShipment('c-1');
    expect(await webhooks.notYetDelivered([Jobs.webhook('c-1', 'return.approved'), message, booking, Jobs.webhook('c-2', 'refund.failed')])).toEqual([message, booking]);
  });
});
