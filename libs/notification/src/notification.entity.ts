import { Column, Entity, PrimaryColumn } from 'typeorm';
import { NotificationChannelName } from '@returns/contracts';

export type NotificationStatus = 'PENDING' | 'SENT' | 'FAILED';

/** One message to the customer about one moment of their case, on one channel. */
@Entity('notifications')
export class Notification {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  /** the message (a `CustomerMessage`), with its round from the second on: `momentKey` */
  @Column({ type: 'text' })
  event: string;

  @Column({ type: 'text' })
  channel: NotificationChannelName;

  /** phone number, email address, WeChat openId or push token */
  @Column({ type: 'text' })
  recipient: string;

  @Column({ type: 'text' })
  locale: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'text' })
  status: NotificationStatus;

  @Column({ name: 'provider_message_id', type: 'text', nullable: true })
  providerMessageId: string | null;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
