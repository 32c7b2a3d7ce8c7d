import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RefundStatus } from '@returns/contracts';
import { bigintAsNumber } from '@returns/database';
import type { BreakdownLine } from './refund-calculation';

/** The money going back for one case: at most one per case, paid exactly once. */
@Entity('refunds')
export class Refund {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  /** minor units */
  @Column({ name: 'amount_minor', type: 'bigint', transformer: bigintAsNumber })
  amount: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  /** lines in minor units summing to `amount` */
  @Column({ type: 'jsonb' })
  breakdown: BreakdownLine[];

  /** the original payment's provider, e.g. alipay */
  @Column({ type: 'text' })
  method: string;

  @Column({ name: 'payment_transaction_id', type: 'text', nullable: true })
  paymentTransactionId: string | null;

  @Column({ type: 'text' })
  status: RefundStatus;

  /** Sent to the gateway on every attempt of one round, so a retry never pays twice. */
  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  @Column({ name: 'provider_refund_id', type: 'text', nullable: true })
  providerRefundId: string | null;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true })
  succeededAt: Date | null;
}

/** A refund as the case shows it, to staff (`GET /v1/returns/{id}`) and to webhooks: its keys and timestamps left out. */
export function refundView(refund: Refund) {
  return {
    id: refund.id,
    amount: refund.amount,
    currency: refund.currency,
    breakdown: refund.breakdown,
    method: refund.method,
    status: refund.status,
    providerRefundId: refund.providerRefundId,
    attempts: refund.attempts,
    lastError: refund.lastError,
  };
}
