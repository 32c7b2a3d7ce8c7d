import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { PaymentHttpGateway } from './gateways/payment-http';
import { PaymentSimulator } from './gateways/payment-simulator';
import { PAYMENT_GATEWAY, PaymentGateway } from './payment-gateway.interface';
import { Refund } from './refund.entity';
import { RefundService } from './refund.service';
import { RefundReconciliation } from './reconciliation.service';
import { FeedbackService } from './feedback.service';

@Module({
  imports: [TypeOrmModule.forFeature([Refund])],
  providers: [
    RefundService,
    RefundReconciliation,
    FeedbackService,
    PaymentSimulator,
    {
      // The real provider where PAYMENT_API_URL is set; else the simulator (DESIGN.md, "External parties").
      provide: PAYMENT_GATEWAY,
      useFactory: (config: AppConfig, simulator: PaymentSimulator): PaymentGateway =>
        config.providers.payment ? new PaymentHttpGateway(config.providers.payment) : simulator,
      inject: [APP_CONFIG, PaymentSimulator],
    },
  ],
  exports: [RefundService, RefundReconciliation, FeedbackService, PaymentSimulator, PAYMENT_GATEWAY],
})
export class RefundModule {}
