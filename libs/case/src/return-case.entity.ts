import { Column, Entity, OneToMany, PrimaryColumn } from 'typeorm';
import { CaseStatus, Decision, ReasonCode, ReturnMethod, ReturnType, ShippingPayer } from '@returns/contracts';
import { bigintAsNumber } from '@returns/database';
import { ReturnItem } from './return-item.entity';

export interface CaseDeadlines {
  /** ISO-8601: when an undecided review is approved by the system */
  reviewBy?: string;
  /** ISO-8601: when an unshipped return is closed */
  shipBackBy?: string;
  /** ISO-8601: when a parcel the carrier delivered to the warehouse should have been scanned in (RECEIPT_DEADLINE): the agents are told */
  receiveBy?: string;
  /** ISO-8601: when an uninspected return is accepted as is */
  inspectBy?: string;
  /** ISO-8601: when a refunded return, or one whose exchange shipped, completes */
  completeBy?: string;
}

/** The return case: the record every stage reads and moves through the state machine. */
@Entity('return_cases')
export class ReturnCase {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'rma_number', type: 'text' })
  rmaNumber: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId: string;

  @Column({ type: 'text' })
  type: ReturnType;

  @Column({ name: 'reason_code', type: 'text' })
  reasonCode: ReasonCode;

  @Column({ name: 'reason_text', type: 'text', nullable: true })
  reasonText: string | null;

  @Column({ name: 'return_method', type: 'text', nullable: true })
  returnMethod: ReturnMethod | null;

  @Column({ type: 'text', nullable: true })
  channel: string | null;

  @Column({ type: 'jsonb' })
  photos: { url: string; sha256: string }[];

  @Column({ type: 'text' })
  status: CaseStatus;

  @Column({ type: 'jsonb', nullable: true })
  decision: Decision | null;

  @Column({ name: 'shipping_paid_by', type: 'text' })
  shippingPaidBy: ShippingPayer;

  @Column({ type: 'char', length: 3 })
  currency: string;

  /** minor units: sum of unitPrice x requested quantity */
  @Column({ name: 'value_minor', type: 'bigint', transformer: bigintAsNumber })
  valueMinor: number;

  /** minor units the customer pays for a booked pickup, deducted from the refund */
  @Column({ name: 'return_shipping_charge_minor', type: 'bigint', transformer: bigintAsNumber })
  returnShippingChargeMinor: number;

  @Column({ type: 'jsonb' })
  deadlines: CaseDeadlines;

  /** BullMQ priority of this case's jobs: 1 highest (VIP, merchant fault) */
  @Column({ type: 'integer' })
  priority: number;

  /** the intake's risk score (0-100) and the signals behind it */
  @Column({ type: 'jsonb', nullable: true })
  risk: { score: number; signals: { signal: string; points: number; detail: string }[] } | null;

  /** the agent working on this review, while their claim lasts */
  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy: string | null;

  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany(() => ReturnItem, (item) => item.returnCase)
  items?: ReturnItem[];
}
