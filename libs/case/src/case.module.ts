import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CaseService } from './case.service';
import { OrderSnapshot } from './order.entity';
import { ReturnCase } from './return-case.entity';
import { ReturnItem } from './return-item.entity';
import { TimelineEntry } from './timeline-entry.entity';
import { OrderService } from './order.service';
import { CaseAnalytics } from './case-analytics.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OrderSnapshot, ReturnCase, ReturnItem, TimelineEntry])],
  providers: [CaseService, OrderService, CaseAnalytics],
  exports: [CaseService, OrderService, CaseAnalytics],
})
export class CaseModule {}
