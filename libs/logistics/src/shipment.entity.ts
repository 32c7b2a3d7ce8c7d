import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ReturnMethod, ShippingPayer } from '@returns/contracts';
import { bigintAsNumber } from '@returns/database';

/** Where the parcel is as far as we know: BOOKED, then the carrier's furthest status. */
export type ShipmentStatus = 'BOOKED' | 'PICKED_UP' | 'IN_TRANSIT' | 'DELIVERED_TO_WAREHOUSE' | 'DELIVERED' | 'EXCEPTION' | 'LOST' | 'CANCELLED';

/** The parcel coming back: one per case. */
@Entity('shipments')
export class Shipment {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ type: 'text' })
  carrier: string;

  @Column({ name: 'tracking_number', type: 'text' })
  trackingNumber: string;

  @Column({ type: 'text' })
  method: ReturnMethod;

  @Column({ name: 'label_url', type: 'text', nullable: true })
  labelUrl: string | null;

  @Column({ name: 'pickup_window', type: 'jsonb', nullable: true })
  pickupWindow: { from: string; to: string } | null;

  /** minor units of `costCurrency` the carrier charges */
  @Column({ name: 'cost_minor', type: 'bigint', transformer: bigintAsNumber })
  costMinor: number;

  /** ISO currency of `costMinor`: the carriers' (CNY), not necessarily the order's */
  @Column({ name: 'cost_currency', type: 'text' })
  costCurrency: string;

  @Column({ name: 'paid_by', type: 'text' })
  paidBy: ShippingPayer;

  @Column({ type: 'text' })
  status: ShipmentStatus;

  @Column({ name: 'status_at', type: 'timestamptz', nullable: true })
  statusAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
