import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ReasonCode, ReturnMethod, ReturnType } from '@returns/contracts';

/** A return request as the customer or upstream system sent it (`POST /v1/returns`). */
export interface ReturnRequestBody {
  orderId: string;
  type: ReturnType;
  reasonCode: ReasonCode;
  reasonText?: string;
  returnMethod?: ReturnMethod;
  items: { sku: string; quantity: number }[];
  photos?: { url: string; sha256: string }[];
  channel?: string;
}

/**
 * The idempotency record and buffer of one accepted request. Its id is the id the case
 * will have; the intake worker opens the case from it.
 */
@Entity('return_requests')
export class ReturnRequest {
  @PrimaryColumn('uuid')
  id: string;

  /** Who sent it (a hash of the API key): idempotency keys are scoped per client. */
  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  /** sha256 of the canonical JSON body: the same key with another body is refused. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  @Column({ name: 'rma_number', type: 'text' })
  rmaNumber: string;

  @Column({ name: 'order_id', type: 'text' })
  orderId: string;

  @Column({ type: 'jsonb' })
  body: ReturnRequestBody;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The intake batch whose `judge-returns` job holds this request (its first request's id); null for a request from before batches, judged by a job of its own. */
  @Column({ name: 'judge_batch', type: 'uuid', nullable: true })
  judgeBatch: string | null;
}
