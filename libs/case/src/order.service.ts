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

  /**
   * Inserts or replaces the snapshot of one order; returns what is stored.
   * @param eventAt when upstream's event happened: a snapshot older than the stored one is ignored
   */
  async upsert(orderId: string, input: OrderInput, eventAt?: Date): Promise<OrderSnapshot> {
    const now = new Date();
    const paidTotalMinor = input.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
    await this.dataSource.query(
      `INSERT INTO orders AS o (id, merchant_id, customer_id, customer, address, currency, paid_at, delivered_at, payment, items,
                                paid_total_minor, last_event_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
       ON CONFLICT (id) DO UPDATE SET
         merchant_id = EXCLUDED.merchant_id, customer_id = EXCLUDED.customer_id, customer = EXCLUDED.customer,
         address = EXCLUDED.address, currency = EXCLUDED.currency, paid_at = EXCLUDED.paid_at,
         delivered_at = EXCLUDED.delivered_at, payment = EXCLUDED.payment, items = EXCLUDED.items,
         paid_total_minor = EXCLUDED.paid_total_minor, last_event_at = COALESCE(EXCLUDED.last_event_at, o.last_event_at), updated_at = EXCLUDED.updated_at
       -- A late event never overwrites a newer snapshot; a direct PUT always applies, and keeps
       -- the time of the newest event seen (a late event after the PUT is still late).
       WHERE EXCLUDED.last_event_at IS NULL OR o.last_event_at IS NULL OR o.last_event_at <= EXCLUDED.last_event_at`,
      [
        orderId,
        input.merchantId,
        input.customer.id,
        JSON.stringify(input.customer),
        input.address ? JSON.stringify(input.address) : null,
        input.currency,
        input.paidAt ? new Date(input.paidAt) : null,
        input.deliveredAt ? new Date(input.deliveredAt) : null,
        input.payment ? JSON.stringify(input.payment) : null,
        JSON.stringify(input.items),
        paidTotalMinor,
        eventAt ?? null,
        now,
      ],
    );
    return (await this.find(orderId))!;
  }

  find(orderId: string): Promise<OrderSnapshot | null> {
    return this.dataSource.manager.findOne(OrderSnapshot, { where: { id: orderId } });
  }

}
