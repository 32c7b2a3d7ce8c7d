import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PaymentSimulator } from './gateways/payment-simulator';
import { PAYMENT_GATEWAY } from './payment-gateway.interface';
import { Refund } from './refund.entity';
import { RefundService } from './refund.service';
import { RefundReconciliation } from './reconciliation.service';
import { FeedbackService } from './feedback.service';

@Module({
  imports: [TypeOrmModule.forFeature([Refund])],
  providers: [RefundService, RefundReconciliation, FeedbackService, PaymentSimulator, { provide: PAYMENT_GATEWAY, useExisting: PaymentSimulator }],
  exports: [RefundService, RefundReconciliation, FeedbackService, PaymentSimulator, PAYMENT_GATEWAY],
})
export class RefundModule {}
