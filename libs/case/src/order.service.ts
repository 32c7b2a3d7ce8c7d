import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrderAddress, OrderCustomer, OrderItem, OrderSnapshot } from './order.entity';

export interface OrderInput {
  merchantId: string;
  customer: OrderCustomer;
  address?: OrderAddress | null;
  currency: string;
  paidAt?: string | null;
  deliveredAt?: string | null;
  payment?: { provider: string; transactionId: string } | null;
  items: OrderItem[];
}

/** Order snapshots from upstream: what a return is judged and refunded against. */
@Injectable()
export class OrderService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts or replaces the snapshot of one order; returns what is stored. */
  async upsert(orderId: string, input: OrderInput): Promise<OrderSnapshot> {
    const now = new Date();
    const paidTotalMinor = input.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(OrderSnapshot)
      .values({
        id: orderId,
        merchantId: input.merchantId,
        customerId: input.customer.id,
        customer: input.customer,
        address: input.address ?? null,
        currency: input.currency,
        paidAt: input.paidAt ? new Date(input.paidAt) : null,
        deliveredAt: input.deliveredAt ? new Date(input.deliveredAt) : null,
        payment: input.payment ?? null,
        items: input.items,
        paidTotalMinor,
        createdAt: now,
        updatedAt: now,
      })
      .orUpdate(
        ['merchant_id', 'customer_id', 'customer', 'address', 'currency', 'paid_at', 'delivered_at', 'payment', 'items', 'paid_total_minor', 'updated_at'],
        ['id'],
      )
      .execute();
    return (await this.find(orderId))!;
  }

  find(orderId: string): Promise<OrderSnapshot | null> {
    return this.dataSource.manager.findOne(OrderSnapshot, { where: { id: orderId } });
  }

  /** Just whether the order is known: the hot path of POST /v1/returns. */
  async exists(orderId: string): Promise<boolean> {
    const rows = await this.dataSource.query('SELECT 1 FROM orders WHERE id = $1', [orderId]);
    return rows.length > 0;
  }
}
