import { Inject, Injectable } from '@nestjs/common';
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
export class ChannelRouter implements NotificationChannel {
  private readonly channels: Record<NotificationChannelName, NotificationChannel>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, simulator: ChannelSimulator) {
    const { email, sms, wechat, push } = config.providers;
    this.channels = {
      EMAIL: email ? new SmtpEmailChannel(email) : simulator,
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
}
