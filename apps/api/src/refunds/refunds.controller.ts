import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RefundService } from '@returns/refund';
import { Caller } from '../auth/api-key.guard';
import { actorOf, CurrentCaller } from '../auth/caller.decorator';
import { Roles } from '../auth/roles.decorator';
import { knownIdOr404 } from '../http/uuid';

@ApiTags('refunds')
@ApiBearerAuth()
@Controller('v1/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundService) {}

  @Post(':refundId/retry')
  @HttpCode(202)
  @Roles('finance')
  @ApiOperation({ summary: 'Try a FAILED refund again (a new gateway round); else 409 REFUND_NOT_FAILED.' })
  async retry(@Param('refundId') refundId: string, @CurrentCaller() caller: Caller) {
    const refund = await this.refunds.retry(knownIdOr404(refundId, 'refund', 'REFUND_NOT_FOUND'), actorOf(caller));
    return { id: refund.id, caseId: refund.caseId, status: refund.status, amount: refund.amount, currency: refund.currency };
  }
}
