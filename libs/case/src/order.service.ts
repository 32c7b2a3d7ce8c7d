import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { parseTimestamp } from '@returns/contracts';
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

/**
 * The stored order's last change, never later than the row was written (`updated_at`): a row
 * a PUT wrote before PUTs recorded their time (none) counts from when it was written, and an
 * event time stamped ahead before event times were capped at now freezes no order.
 */
const LAST_CHANGE = 'least(COALESCE(o.last_event_at, o.updated_at), o.updated_at)';

/** Order snapshots from upstream: what a return is judged and refunded against. */
@Injectable()
export class OrderService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts or replaces the snapshot of one order; returns what is stored. `last_event_at` is
   * the time of the order's last change: a direct PUT's (when it was stored) or an applied
   * event's. An event that occurred before it is late and changes nothing; a PUT always
   * applies. An event's time counts as at most now: one stamped ahead (a sender's clock
   * ahead) would otherwise make every correct event after it late until that time came.
   * @param eventAt when upstream's event happened; none for a direct PUT
   */
  async upsert(orderId: string, input: OrderInput, eventAt?: Date): Promise<OrderSnapshot> {
    const now = new Date();
    const paidTotalMinor = input.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
    await this.dataSource.query(
      `INSERT INTO orders AS o (id, merchant_id, customer_id, customer, address, currency, paid_at, delivered_at, payment, items,
                                paid_total_minor, last_event_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, least(COALESCE($12::timestamptz, $13::timestamptz), $13::timestamptz), $13, $13)
       ON CONFLICT (id) DO UPDATE SET
         merchant_id = EXCLUDED.merchant_id, customer_id = EXCLUDED.customer_id, customer = EXCLUDED.customer,
         address = EXCLUDED.address, currency = EXCLUDED.currency, paid_at = EXCLUDED.paid_at,
         delivered_at = EXCLUDED.delivered_at, payment = EXCLUDED.payment, items = EXCLUDED.items,
         paid_total_minor = EXCLUDED.paid_total_minor,
         last_event_at = GREATEST(${LAST_CHANGE}, EXCLUDED.last_event_at), updated_at = EXCLUDED.updated_at
       -- A PUT ($12 null) always applies; an event only if it occurred no earlier than the last change.
       WHERE $12::timestamptz IS NULL OR ${LAST_CHANGE} <= EXCLUDED.last_event_at`,
      [
        orderId,
        input.merchantId,
        input.customer.id,
        JSON.stringify(input.customer),
        input.address ? JSON.stringify(input.address) : null,
        input.currency,
        input.paidAt ? parseTimestamp(input.paidAt) : null,
        input.deliveredAt ? parseTimestamp(input.deliveredAt) : null,
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
