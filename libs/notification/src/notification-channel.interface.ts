import { NotificationChannelName } from '@returns/contracts';

export interface OutgoingMessage {
  /** Idempotency key: the provider delivers one message per key. */
  messageId: string;
  channel: NotificationChannelName;
  recipient: string;
  body: string;
}

/** SMS, email, WeChat or app push provider. */
export interface NotificationChannel {
  send(message: OutgoingMessage): Promise<{ providerMessageId: string }>;
}

export const NOTIFICATION_CHANNEL = Symbol('NOTIFICATION_CHANNEL');
