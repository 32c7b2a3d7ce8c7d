import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsString, MaxLength } from 'class-validator';
import { IsNotEmptyObject } from 'class-validator';
import { UpsertOrderDto } from '../orders/order.dto';

export const EVENT_TYPES = ['order.delivered', 'return.requested'] as const;

/** `POST /v1/events`: the envelope; `data` is checked against its type's body below. */
export class UpstreamEventDto {
  @ApiProperty({ example: 'evt-1', description: 'idempotency: a repeated id changes nothing' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  id: string;

  @ApiProperty({ enum: EVENT_TYPES })
  @IsIn(EVENT_TYPES)
  type: (typeof EVENT_TYPES)[number];

  @ApiProperty({ example: '2026-11-13T08:00:00Z', description: 'ISO-8601, without an offset read as UTC; a time ahead of ours counts as now' })
  @IsISO8601({ strict: true })
  occurredAt: string;

  @ApiProperty({ description: 'an order snapshot with orderId (order.delivered) or a return request body (return.requested)' })
  @IsObject()
  @IsNotEmptyObject()
  data: Record<string, unknown>;
}

/** `data` of `order.delivered`: the order snapshot of `PUT /v1/orders/{orderId}`, with its id. */
export class DeliveredOrderDto extends UpsertOrderDto {
  @ApiProperty({ example: 'o1' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  orderId: string;
}
