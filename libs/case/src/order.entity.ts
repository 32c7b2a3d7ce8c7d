import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '@returns/database';

export interface OrderCustomer {
  id: string;
  name?: string;
  phone?: string;
  email?: string;
  wechatOpenId?: string;
  pushToken?: string;
  /** BCP 47, e.g. zh-CN */
  locale?: string;
  /** e.g. VIP */
  tier?: string;
}

export interface OrderAddress {
  province: string;
  city: string;
  district?: string;
  line: string;
  postalCode?: string;
}

export interface OrderItem {
  sku: string;
  name: string;
  category: string;
  quantity: number;
  /** minor units */
  unitPrice: number;
}

/** The upstream order as last told to us (`PUT /v1/orders/{id}`): what the policy needs. */
@Entity('orders')
export class OrderSnapshot {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId: string;

  @Column({ type: 'jsonb' })
  customer: OrderCustomer;

  @Column({ type: 'jsonb', nullable: true })
  address: OrderAddress | null;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  payment: { provider: string; transactionId: string } | null;

  @Column({ type: 'jsonb' })
  items: OrderItem[];

  /** minor units: sum of unitPrice x quantity */
  @Column({ name: 'paid_total_minor', type: 'bigint', transformer: bigintAsNumber })
  paidTotalMinor: number;

  /** the snapshot's last change: when the upstream event that last set it happened (at most when it came), or when a PUT stored it */
  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
