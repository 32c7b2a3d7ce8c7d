import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { NotificationChannelName } from '@returns/contracts';
import { NotificationChannel, OutgoingMessage } from '../notification-channel.interface';
import { ChannelSimulator } from './channel-simulator';
import { HttpMessageChannel } from './http-message.channel';
import { SmtpEmailChannel } from './smtp-email.channel';

/**
 * The `NOTIFICATION_CHANNEL`: each message goes to its channel's real provider where one is
 * configured (SMTP_URL, SMS_API_URL, WECHAT_API_URL, PUSH_API_URL), else to the simulator
 * (DESIGN.md, "External parties"), so one channel can go live while the others stay simulated.
 */
@Injectable()
export class ChannelRouter implements NotificationChannel, OnApplicationShutdown {
  private readonly channels: Record<NotificationChannelName, NotificationChannel>;
  /** Kept apart: its connection pool is closed at shutdown. */
  private readonly email: SmtpEmailChannel | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig, simulator: ChannelSimulator) {
    const { email, sms, wechat, push } = config.providers;
    this.email = email ? new SmtpEmailChannel(email) : null;
    this.channels = {
      EMAIL: this.email ?? simulator,
      SMS: sms ? new HttpMessageChannel('sms', sms) : simulator,
      WECHAT: wechat ? new HttpMessageChannel('wechat', wechat) : simulator,
      PUSH: push ? new HttpMessageChannel('push', push) : simulator,
    };
  }

  send(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const channel = this.channels[message.channel];
    if (!channel) return Promise.reject(new Error(`no notification channel ${message.channel}`));
    return channel.send(message);
  }

  /**
   * After the workers stopped (onModuleDestroy) and the group commits drained
   * (beforeApplicationShutdown), so nothing is sent after: closes the SMTP connections, whose
   * open sockets would keep a stopping process up. A send after this throws.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.email?.close();
  }
}
