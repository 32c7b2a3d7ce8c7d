import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { conflict, notFound } from '@returns/case';

/** The survey of one refunded case, as its link shows it. */
export interface Survey {
  rmaNumber: string;
  /** the ratings it takes, worst to best */
  scale: number[];
  answered: boolean;
  rating: number | null;
  comment: string | null;
  answeredAt: string | null;
}

/**
 * The token of a case's survey link: an HMAC of the case id under WEBHOOK_SECRET (with a
 * purpose of its own), so every builder of the refund message (its first add, a recovery)
 * makes the same link, and no one can work out another case's from theirs.
 */
export function surveyToken(caseId: string, secret: string): string {
  return createHmac('sha256', secret).update(`survey:${caseId}`).digest('base64url');
}

/** The short survey after a refund (DESIGN.md, stage 4): `GET`/`POST /v1/feedback/{token}`, no key needed. */
@Injectable()
export class FeedbackService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The link the refund message carries. */
  surveyUrl(caseId: string): string {
    return `${this.config.publicBaseUrl}/v1/feedback/${surveyToken(caseId, this.config.webhookSecret)}`;
  }

  /** Opens the survey of a case just refunded, in the refund's transaction; a replay opens none twice. */
  async open(manager: EntityManager, caseId: string): Promise<void> {
    await manager.query(`INSERT INTO feedback (token, case_id) VALUES ($1, $2) ON CONFLICT (case_id) DO NOTHING`, [surveyToken(caseId, this.config.webhookSecret), caseId]);
  }

  /** @throws 404 FEEDBACK_NOT_FOUND for a token no survey has */
  async survey(token: string): Promise<Survey> {
    const [row]: { rma_number: string; rating: number | null; comment: string | null; answered_at: Date | null }[] = await this.dataSource.query(
      `SELECT c.rma_number, f.rating, f.comment, f.answered_at FROM feedback f JOIN return_cases c ON c.id = f.case_id WHERE f.token = $1`,
      [token],
    );
    if (!row) throw notFound('FEEDBACK_NOT_FOUND', 'no survey has this link');
    return {
      rmaNumber: row.rma_number,
      scale: [1, 2, 3, 4, 5],
      answered: row.answered_at !== null,
      rating: row.rating,
      comment: row.comment,
      answeredAt: row.answered_at ? new Date(row.answered_at).toISOString() : null,
    };
  }

  /**
   * Records the customer's answer, once.
   * @throws 404 FEEDBACK_NOT_FOUND; 409 FEEDBACK_ALREADY_GIVEN when the survey was answered before
   */
  async answer(token: string, rating: number, comment: string | null): Promise<Survey> {
    // (As a SELECT: TypeORM answers an UPDATE with [rows, count].)
    const [{ answered }]: { answered: number }[] = await this.dataSource.query(
      `WITH answer AS (UPDATE feedback SET rating = $2, comment = $3, answered_at = now() WHERE token = $1 AND answered_at IS NULL RETURNING token)
       SELECT count(*)::int AS answered FROM answer`,
      [token, rating, comment],
    );
    const survey = await this.survey(token);
    if (!answered) throw conflict('FEEDBACK_ALREADY_GIVEN', `this survey was answered at ${survey.answeredAt}`);
    return survey;
  }
}
