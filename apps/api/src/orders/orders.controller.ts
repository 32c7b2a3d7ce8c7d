import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { badRequest, OrderService, OrderSnapshot } from '@returns/case';
import { IntakeService } from '@returns/intake';
import { Roles } from '../auth/roles.decorator';
import { UpsertOrderDto } from './order.dto';

export function orderView(order: OrderSnapshot) {
  return {
    orderId: order.id,
    merchantId: order.merchantId,
    customer: order.customer,
    address: order.address,
    currency: order.currency,
    paidAt: order.paidAt?.toISOString() ?? null,
    deliveredAt: order.deliveredAt?.toISOString() ?? null,
    payment: order.payment,
    items: order.items,
    paidTotalMinor: order.paidTotalMinor,
    updatedAt: order.updatedAt.toISOString(),
  };
}

@ApiTags('orders')
@ApiBearerAuth()
@Controller('v1/orders')
export class OrdersController {
  constructor(
    private readonly orders: OrderService,
    private readonly intake: IntakeService,
  ) {}

  @Put(':orderId')
  @Roles('upstream')
  @ApiOperation({ summary: 'Insert or replace the snapshot of an order that returns are judged against; always applies, and an order.delivered event that occurred before it is late. Timestamps without an offset are UTC; a deliveredAt still ahead is not delivered yet.' })
  async upsert(@Param('orderId') orderId: string, @Body() body: UpsertOrderDto) {
    if (orderId.length > 128) {
      throw badRequest(['orderId must be at most 128 characters']);
    }
    const stored = await this.orders.upsert(orderId, body);
    await this.intake.judgeDelivered(stored);
    return orderView(stored);
  }
}
