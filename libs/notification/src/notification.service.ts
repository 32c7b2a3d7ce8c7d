import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CaseService, OrderCustomer } from '@returns/case';
import { CustomerMessage, NotificationChannelName } from '@returns/contracts';
import { NOTIFICATION_CHANNEL, NotificationChannel } from './notification-channel.interface';
import { Notification } from './notification.entity';
import { renderMessage } from './templates';

/**
 * Where to tell a customer: their quickest instant channel (app push, else WeChat, else
 * SMS) and, when they gave one, email as the written record. Never more than one
 * instant message per moment.
 */
export function reachableChannels(customer: OrderCustomer): { channel: NotificationChannelName; recipient: string }[] {
  const found: { channel: NotificationChannelName; recipient: string }[] = [];
  if (customer.pushToken) found.push({ channel: 'PUSH', recipient: customer.pushToken });
  else if (customer.wechatOpenId) found.push({ channel: 'WECHAT', recipient: customer.wechatOpenId });
  else if (customer.phone) found.push({ channel: 'SMS', recipient: customer.phone });
  if (customer.email) found.push({ channel: 'EMAIL', recipient: customer.email });
  return found;
}

/**
 * Tells the customer about a moment of their case on each channel they have: one message
 * per case, moment and channel, however often the job runs.
 */
@Injectable()
export class NotificationService {
  private readonly logger = new Logger(NotificationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
    private readonly cases: CaseService,
  ) {}

  /** @param lastAttempt failures now are recorded as FAILED rather than retried */
  async send(caseId: string, message: CustomerMessage, params: Record<string, string> = {}, lastAttempt = false): Promise<void> {
    const subject = await this.cases.find(caseId);
    if (!subject) throw new Error(`case ${caseId} not found`);
    const order = (await this.cases.order(subject.orderId))!;
    const locale = order.customer.locale ?? 'zh-CN';
    const body = renderMessage(message, locale, { rma: subject.rmaNumber, ...params });
    const targets = reachableChannels(order.customer);
    if (!targets.length) {
      this.logger.warn(`customer ${order.customerId} has no channel to tell about ${message} of ${subject.rmaNumber}`);
      return;
    }
    const values: unknown[] = [];
    const rows = targets.map((t, i) => {
      values.push(t.channel, t.recipient);
      return `(gen_random_uuid(), $1, $2, $${i * 2 + 5}, $${i * 2 + 6}, $3, $4, 'PENDING')`;
    });
    await this.dataSource.query(
      `INSERT INTO notifications (id, case_id, event, channel, recipient, locale, body, status) VALUES ${rows.join(', ')}
       ON CONFLICT (case_id, event, channel) DO NOTHING`,
      [caseId, message, locale, body, ...values],
    );

    const due = await this.dataSource.manager.find(Notification, { where: { caseId, event: message, status: 'PENDING' } });
    const failures: string[] = [];
    for (const note of due) {
      try {
        const { providerMessageId } = await this.channel.send({ messageId: note.id, channel: note.channel, recipient: note.recipient, body: note.body });
        await this.dataSource.manager.update(Notification, { id: note.id }, { status: 'SENT', providerMessageId, sentAt: new Date(), attempts: note.attempts + 1, lastError: null });
      } catch (error) {
        const reason = (error as Error).message;
        failures.push(`${note.channel}: ${reason}`);
        await this.dataSource.manager.update(Notification, { id: note.id }, { attempts: note.attempts + 1, lastError: reason, status: lastAttempt ? 'FAILED' : 'PENDING' });
      }
    }
    if (failures.length && !lastAttempt) throw new Error(`could not send ${message} for ${subject.rmaNumber}: ${failures.join('; ')}`);
  }
}
