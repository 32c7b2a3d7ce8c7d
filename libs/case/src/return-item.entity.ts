import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Disposition } from '@returns/contracts';
import { bigintAsNumber } from '@returns/database';
import type { ReturnCase } from './return-case.entity';

/** One sku of a case. Inspection fills in what was accepted and what becomes of it. */
@Entity('return_items')
export class ReturnItem {
  @PrimaryColumn({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @PrimaryColumn({ type: 'text' })
  sku: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  category: string;

  /** units the customer asked to return */
  @Column({ type: 'integer' })
  quantity: number;

  /** minor units, from the order */
  @Column({ name: 'unit_price_minor', type: 'bigint', transformer: bigintAsNumber })
  unitPrice: number;

  /** units accepted for refund (set by inspection, or all of them for REFUND_ONLY) */
  @Column({ name: 'accepted_quantity', type: 'integer', nullable: true })
  acceptedQuantity: number | null;

  @Column({ type: 'text', nullable: true })
  disposition: Disposition | null;

  @ManyToOne('ReturnCase', 'items')
  @JoinColumn({ name: 'case_id' })
  returnCase?: ReturnCase;
}
