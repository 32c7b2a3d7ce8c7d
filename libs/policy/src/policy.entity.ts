import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { PolicyRules } from './return-policy';

/** One version of one category's policy. Versions are never changed, only added. */
@Entity('return_policies')
export class PolicyVersion {
  @PrimaryColumn({ type: 'text' })
  category: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'jsonb' })
  rules: PolicyRules;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
