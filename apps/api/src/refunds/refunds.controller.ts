import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { conflict } from '@returns/case';
import { RefundReconciliation, RefundService } from '@returns/refund';
import { Caller } from '../auth/api-key.guard';
import { actorOf, CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { OptionalQuery } from '../http/optional-query';
import { knownIdOr404 } from '../http/uuid';

class ReconciliationsQuery {
  @ApiPropertyOptional({ default: 10, maximum: 100 }) @OptionalQuery() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}

@ApiTags('refunds')
@ApiBearerAuth()
@Controller('v1/refunds')
export class RefundsController {
  constructor(
    private readonly refunds: RefundService,
    private readonly reconciliation: RefundReconciliation,
  ) {}

  @Post(':refundId/retry')
  @HttpCode(202)
  @Roles('finance')
  @ApiOperation({
    summary:
      'Try a FAILED refund again: the last round is sent again under its own key first (a timed-out round may still pay, ' +
      'and is then paid once); only a round the gateway declined for good starts a new round, to the order\'s payment as it is now. ' +
      '409 REFUND_NOT_FAILED (not FAILED, or changed meanwhile), 409 REFUND_EXCEEDS_PAID, 503 PAYMENT_GATEWAY_UNAVAILABLE (nothing changed; Retry-After).',
  })
  async retry(@Param('refundId') refundId: string, @CurrentCaller() caller: Caller) {
    const refund = await this.refunds.retry(knownIdOr404(refundId, 'refund', 'REFUND_NOT_FOUND'), actorOf(caller));
    return { id: refund.id, caseId: refund.caseId, status: refund.status, amount: refund.amount, currency: refund.currency };
  }

  @Post('reconciliations')
  @HttpCode(201)
  @Roles('finance')
  @ApiOperation({
    summary:
      'Compare our refunds with the gateway now (as the nightly run does): records what the gateway paid and we had not, ' +
      'reports the rest (MISSING_AT_GATEWAY, AMOUNT_MISMATCH, PAID_TWICE, STUCK_PENDING); 409 RECONCILIATION_RUNNING while one runs.',
  })
  async reconcile() {
    const report = await this.reconciliation.run('manual');
    if (!report) throw conflict('RECONCILIATION_RUNNING', 'a reconciliation is running; try again when it ends');
    return report;
  }

  @Get('reconciliations')
  @Roles('finance')
  @ApiOperation({ summary: 'The latest reconciliation runs, newest first.' })
  async reconciliations(@Query() query: ReconciliationsQuery) {
    return { items: await this.reconciliation.recent(query.limit ?? 10) };
  }
}
