import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InspectionModule } from '@returns/inspection';
import { ChannelSimulator } from './channels/channel-simulator';
import { NOTIFICATION_CHANNEL } from './notification-channel.interface';
import { Notification } from './notification.entity';
import { NotificationService } from './notification.service';
import { WebhookService } from './webhook.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification]), InspectionModule],
  providers: [NotificationService, WebhookService, ChannelSimulator, { provide: NOTIFICATION_CHANNEL, useExisting: ChannelSimulator }],
  exports: [NotificationService, WebhookService, ChannelSimulator],
})
export class NotificationModule {}
