import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TrackingStatus } from '@returns/contracts';

/** One carrier scan as posted to `POST /v1/logistics/tracking`; duplicates are stored once. */
@Entity('tracking_events')
export class TrackingEvent {
  @PrimaryColumn('uuid')
  id: string;

  /** null for a scan of the parcel an item was sent back to its customer in (`sent_back_parcels`) */
  @Column({ name: 'shipment_id', type: 'uuid', nullable: true })
  shipmentId: string | null;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ type: 'text' })
  carrier: string;

  @Column({ name: 'tracking_number', type: 'text' })
  trackingNumber: string;

  @Column({ type: 'text' })
  status: TrackingStatus;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'text', nullable: true })
  location: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt: Date | null;
}
