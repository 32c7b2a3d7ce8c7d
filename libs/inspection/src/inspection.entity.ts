import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { GradedItem, GradingOutcome, InspectedItem } from './grading';

export interface SubmittedInspectionItem extends InspectedItem {
  photos?: { url: string; sha256: string }[];
  notes?: string;
}

/** A warehouse inspection of a received parcel: what the inspector saw, and our grading. */
@Entity('inspections')
export class Inspection {
  @PrimaryColumn({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ type: 'text' })
  inspector: string;

  /** the inspector's report as submitted, photos kept as evidence */
  @Column({ type: 'jsonb' })
  submitted: SubmittedInspectionItem[];

  @Column({ type: 'text', nullable: true })
  outcome: GradingOutcome | null;

  @Column({ type: 'jsonb', nullable: true })
  items: GradedItem[] | null;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt: Date;

  @Column({ name: 'graded_at', type: 'timestamptz', nullable: true })
  gradedAt: Date | null;
}
