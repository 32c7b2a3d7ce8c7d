import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InspectionModule } from '@returns/inspection';
import { ChannelRouter } from './channels/channel-router';
import { ChannelSimulator } from './channels/channel-simulator';
import { NOTIFICATION_CHANNEL } from './notification-channel.interface';
import { Notification } from './notification.entity';
import { NotificationService } from './notification.service';
import { WebhookService } from './webhook.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification]), InspectionModule],
  providers: [
    NotificationService,
    WebhookService,
    // Provided either way: tests count its deliveries by name.
    ChannelSimulator,
    ChannelRouter,
    // Each channel's real provider where configured, else the simulator (DESIGN.md, "External parties").
    { provide: NOTIFICATION_CHANNEL, useExisting: ChannelRouter },
  ],
  exports: [NotificationService, WebhookService, ChannelSimulator],
})
export class NotificationModule {}
