import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { QueueName } from '@returns/contracts';
import { JobProducer } from '@returns/queue';

/** How long one reading of the intake backlog is trusted: one Redis call per 250 ms, not per request. */
const DEPTH_TTL_MS = 250;

/**
 * Back-pressure for Double-11: past INTAKE_HIGH_WATER returns waiting to be judged,
 * intake answers 429 with Retry-After instead of letting Redis run out of memory.
 */
@Injectable()
export class IntakeGate {
  private reading: { depth: number; at: number } | null = null;
  private pending: Promise<number> | null = null;

  constructor(
    private readonly producer: JobProducer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns waiting in the intake queue, at most DEPTH_TTL_MS old. */
  async depth(): Promise<number> {
    if (this.reading && Date.now() - this.reading.at < DEPTH_TTL_MS) return this.reading.depth;
    this.pending ??= this.producer
      .queue(QueueName.Intake)
      .getJobCounts('waiting', 'prioritized', 'paused')
      .then((c) => {
        const depth = c.waiting + c.prioritized + c.paused;
        this.reading = { depth, at: Date.now() };
        return depth;
      })
      .finally(() => (this.pending = null));
    return this.pending;
  }

  /**
   * Accepts a request with `accept` unless the backlog is past the high-water mark. Past it,
   * a request whose key was used before still gets the answer it got then (`earlier`, e.g.
   * `IntakeService.answerAgain`): a client retrying after a lost answer learns its return's
   * id rather than a 429; any other gets `IntakeBacklogException`.
   */
  async through<T>(accept: () => Promise<T>, earlier: () => Promise<T | undefined>): Promise<T> {
    const refusal = await this.refusal();
    if (!refusal) return accept();
    const answer = await earlier();
    if (answer === undefined) throw refusal;
    return answer;
  }

  /**
   * The 429 for a new request when the backlog is at or past the high-water mark, else null;
   * its `retryAfterSeconds` is what the caller should wait (a guess from how far past it is,
   * 1 to 60 s).
   */
  private async refusal(): Promise<IntakeBacklogException | null> {
    const depth = await this.depth().catch(() => 0); // Redis away: the outbox holds the request anyway.
    const highWater = this.config.intakeHighWater;
    if (depth < highWater) return null;
    const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil((depth - highWater * 0.8) / Math.max(1, highWater / 20))));
    return new IntakeBacklogException(depth, highWater, retryAfterSeconds);
  }
}

export class IntakeBacklogException extends HttpException {
  constructor(
    readonly depth: number,
    readonly highWater: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'INTAKE_BACKLOG',
        message: `${depth} returns are waiting to be judged (high-water mark ${highWater}); retry after ${retryAfterSeconds} s`,
        retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
