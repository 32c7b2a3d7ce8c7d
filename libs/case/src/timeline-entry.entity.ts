import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CaseStatus } from '@returns/contracts';

/** One move of a case. Append-only. */
@Entity('case_timeline')
export class TimelineEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'from_status', type: 'text', nullable: true })
  from: CaseStatus | null;

  @Column({ name: 'to_status', type: 'text' })
  to: CaseStatus;

  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text', nullable: true })
  note: string | null;
}
