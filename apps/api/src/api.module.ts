import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { CaseModule } from '@returns/case';
import { AppConfigModule } from '@returns/config';
import { ALL_QUEUES } from '@returns/contracts';
import { DatabaseModule } from '@returns/database';
import { InspectionModule } from '@returns/inspection';
import { IntakeModule } from '@returns/intake';
import { LogisticsModule } from '@returns/logistics';
import { NotificationModule } from '@returns/notification';
import { PolicyModule } from '@returns/policy';
import { QueueModule } from '@returns/queue';
import { RefundModule } from '@returns/refund';
import { AllStagesOwedWork } from '@returns/recovery';
import { WorkersModule } from '../../worker/src/workers.module';
import { AdminController } from './admin/admin.controller';
import { AnalyticsController } from './admin/analytics.controller';
import { EventLoopMetrics } from './admin/event-loop-metrics';
import { FeedbackController } from './feedback/feedback.controller';
import { ApiKeyGuard, ApiKeys } from './auth/api-key.guard';
import { HealthController } from './health/health.controller';
import { BodyParserErrorFilter, IllegalTransitionFilter, IntakeBacklogFilter } from './http/domain-exception.filter';
import { LogisticsController } from './logistics/logistics.controller';
import { EventsController } from './events/events.controller';
import { OrdersController } from './orders/orders.controller';
import { PoliciesController } from './policies/policies.controller';
import { ReviewController } from './review/review.controller';
import { RefundsController } from './refunds/refunds.controller';
import { CaseViewService } from './returns/case-view.service';
import { ReturnAcceptor } from './returns/return-acceptor';
import { IntakeHotPath } from './returns/intake-hot-path';
import { IntakeMetrics } from './returns/intake-metrics';
import { ReturnsController } from './returns/returns.controller';
import { WarehouseController } from './warehouse/warehouse.controller';

export interface ApiOptions {
  /** Also run every queue's workers in this process (`npm start`). */
  withWorkers: boolean;
}

/** The HTTP API. With `withWorkers`, the whole service in one process. */
@Module({})
export class ApiModule {
  static register(options: ApiOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule,
        DatabaseModule,
        QueueModule,
        CaseModule,
        PolicyModule,
        ScheduleModule.forRoot(),
        TerminusModule,
        IntakeModule,
        LogisticsModule,
        InspectionModule,
        RefundModule,
        NotificationModule,
        ...(options.withWorkers ? [WorkersModule.register(ALL_QUEUES)] : []),
      ],
      controllers: [
        OrdersController,
        EventsController,
        ReturnsController,
        ReviewController,
        WarehouseController,
        LogisticsController,
        RefundsController,
        PoliciesController,
        AdminController,
        AnalyticsController,
        FeedbackController,
        HealthController,
      ],
      providers: [
        AllStagesOwedWork,
        CaseViewService,
        ApiKeys,
        ReturnAcceptor,
        IntakeHotPath,
        IntakeMetrics,
        EventLoopMetrics,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: BodyParserErrorFilter },
        { provide: APP_FILTER, useClass: IllegalTransitionFilter },
        { provide: APP_FILTER, useClass: IntakeBacklogFilter },
      ],
    };
  }
}
