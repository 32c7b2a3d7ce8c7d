import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { assertDeadlinePassed, CaseService, conflict, notFound, ReturnCase } from '@returns/case';
import { JobRequest, Jobs } from '@returns/contracts';
import { OutboxService, Tx } from '@returns/queue';

/** What a customer answered to a survey, if they did. */
export interface SurveyAnswer {
  answered: boolean;
  rating: number | null;
  comment: string | null;
  answeredAt: string | null;
}

/** The survey of one refunded case, as its link shows it. */
export interface Survey extends SurveyAnswer {
  rmaNumber: string;
  /** the ratings it takes, worst to best */
  scale: number[];
}

type AnswerRow = { rating: number | null; comment: string | null; answered_at: Date | null };

function answerOf(row: AnswerRow): SurveyAnswer {
  return { answered: row.answered_at !== null, rating: row.rating, comment: row.comment, answeredAt: row.answered_at ? new Date(row.answered_at).toISOString() : null };
}

/**
 * A new survey token: random, kept with the survey (`feedback.token`), so every builder of
 * the refund message (its first add, a recovery) reads the same link, and no one can work
 * out a case's from its id. (It was once an HMAC of the case id under WEBHOOK_SECRET, which
 * upstream and every webhook subscriber hold: they could answer any case's survey. Links
 * made so stay valid: a link is looked up by the token stored.)
 */
function newSurveyToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Statuses a case completes from: refunded, or its exchange shipped. */
const COMPLETING = ['REFUNDED', 'EXCHANGE_SHIPPED'] as const;

/**
 * The end of a return (DESIGN.md, stage 4): the short survey after a refund
 * (`GET`/`POST /v1/feedback/{token}`, no key needed), and the case's completion: when its
 * customer answers the survey, or when its completion deadline (COMPLETION_AFTER after the
 * refund or the exchange shipped) fires; then `return.completed` goes to the webhooks.
 */
@Injectable()
export class FeedbackService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly cases: CaseService,
  ) {}

  /** The link the refund message carries, to the survey of `token` (`open`'s). */
  surveyUrl(token: string): string {
    return `${this.config.publicBaseUrl}/v1/feedback/${token}`;
  }

  /**
   * In the transaction that refunded the case: opens its survey (a replay opens none twice)
   * and sets its completion deadline.
   * @returns the survey's token: the one it was opened with before, on a replay
   */
  async open(tx: Tx, subject: Pick<ReturnCase, 'id' | 'deadlines'>): Promise<string> {
    const [{ token }]: { token: string }[] = await tx.manager.query(
      `WITH opened AS (INSERT INTO feedback (token, case_id) VALUES ($1, $2) ON CONFLICT (case_id) DO NOTHING RETURNING token)
       SELECT token FROM opened UNION ALL SELECT token FROM feedback WHERE case_id = $2 LIMIT 1`,
      [newSurveyToken(), subject.id],
    );
    tx.enqueue(await this.cases.setDeadline(tx.manager, subject, 'completion', this.config.deadlines.completionMs));
    return token;
  }

  /** What the customer answered to a case's survey, for the people handling it (not its link); null before a refund. */
  async ofCase(caseId: string): Promise<SurveyAnswer | null> {
    const [row]: AnswerRow[] = await this.dataSource.query(`SELECT rating, comment, answered_at FROM feedback WHERE case_id = $1`, [caseId]);
    return row ? answerOf(row) : null;
  }

  /** The surveys opened in [from, to) (with the refunds): how many were answered, and how. */
  async summary(from: Date, to: Date): Promise<{ surveys: number; answered: number; responseRate: number; averageRating: number | null; byRating: Record<string, number> }> {
    const [row]: { surveys: number; answered: number; average: string | null; by_rating: Record<string, number> | null }[] = await this.dataSource.query(
      `SELECT count(*)::int AS surveys, count(answered_at)::int AS answered, avg(rating) AS average,
              (SELECT jsonb_object_agg(rating, n) FROM (SELECT rating, count(*)::int AS n FROM feedback
                WHERE created_at >= $1 AND created_at < $2 AND rating IS NOT NULL GROUP BY rating) r) AS by_rating
         FROM feedback WHERE created_at >= $1 AND created_at < $2`,
      [from, to],
    );
    const byRating = Object.fromEntries([1, 2, 3, 4, 5].map((r) => [String(r), row.by_rating?.[String(r)] ?? 0]));
    return {
      surveys: row.surveys,
      answered: row.answered,
      responseRate: row.surveys ? Math.round((row.answered / row.surveys) * 10_000) / 10_000 : 0,
      averageRating: row.average === null ? null : Math.round(Number(row.average) * 100) / 100,
      byRating,
    };
  }

  /** @throws 404 FEEDBACK_NOT_FOUND for a token no survey has */
  async survey(token: string): Promise<Survey> {
    const [row]: (AnswerRow & { rma_number: string })[] = await this.dataSource.query(
      `SELECT c.rma_number, f.rating, f.comment, f.answered_at FROM feedback f JOIN return_cases c ON c.id = f.case_id WHERE f.token = $1`,
      [token],
    );
    if (!row) throw notFound('FEEDBACK_NOT_FOUND', 'no survey has this link');
    return { rmaNumber: row.rma_number, scale: [1, 2, 3, 4, 5], ...answerOf(row) };
  }

  /**
   * Records the customer's answer, once, and completes the case if it is refunded.
   * @throws 404 FEEDBACK_NOT_FOUND; 409 FEEDBACK_ALREADY_GIVEN when the survey was answered before
   */
  async answer(token: string, rating: number, comment: string | null): Promise<Survey> {
    const [found]: { case_id: string }[] = await this.dataSource.query(`SELECT case_id FROM feedback WHERE token = $1`, [token]);
    if (!found) throw notFound('FEEDBACK_NOT_FOUND', 'no survey has this link');
    const answered = await this.outbox.transaction(async (tx) => {
      // The case first, as every other writer of it locks it: then the survey.
      const subject = (await this.cases.lock(tx.manager, found.case_id))!;
      const [first]: { answered: number }[] = await tx.manager.query(
        `WITH answer AS (UPDATE feedback SET rating = $2, comment = $3, answered_at = now() WHERE token = $1 AND answered_at IS NULL RETURNING token)
         SELECT count(*)::int AS answered FROM answer`,
        [token, rating, comment],
      );
      if (first.answered && subject.status === 'REFUNDED') await this.completeIn(tx, subject, 'customer', `survey answered: ${rating}/5`);
      return first.answered > 0;
    });
    const survey = await this.survey(token);
    if (!answered) throw conflict('FEEDBACK_ALREADY_GIVEN', `this survey was answered at ${survey.answeredAt}`);
    return survey;
  }

  /**
   * The completion deadline fired: a case still refunded, or whose exchange shipped, completes.
   * @returns whether it acted
   */
  async onCompletionDeadline(caseId: string): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject || !(COMPLETING as readonly string[]).includes(subject.status)) return false;
      assertDeadlinePassed(subject, 'completion');
      await this.completeIn(tx, subject, 'system:completion', 'nothing more to do');
      return true;
    });
  }

  /**
   * What the end of a return owes (`JobRecovery`): the completion deadline of each case
   * refunded or whose exchange shipped, due when it was first due, and the webhook of each
   * completion since `since`.
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const completing: { id: string; complete_by: string }[] = await this.dataSource.query(
      `SELECT id, deadlines->>'completeBy' AS complete_by FROM return_cases
        WHERE status = ANY($2::text[]) AND updated_at >= $1 AND deadlines->>'completeBy' IS NOT NULL`,
      [since, COMPLETING],
    );
    const completed = await this.cases.movedSince(since, ['COMPLETED']);
    const now = Date.now();
    return [
      ...completing.map((c) => Jobs.deadline(c.id, 'completion', Date.parse(c.complete_by) - now)),
      ...completed.map((m) => Jobs.webhook(m.caseId, 'return.completed')),
    ];
  }

  private async completeIn(tx: Tx, subject: ReturnCase, actor: string, note: string): Promise<void> {
    await this.cases.transition(tx.manager, subject, 'COMPLETED', actor, note);
    tx.enqueue(Jobs.webhook(subject.id, 'return.completed'));
  }
}
