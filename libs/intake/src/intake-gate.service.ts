import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { countWaiting } from './waiting-list';

/** How long one reading of the intake backlog is fresh: one count a second, not one per request. */
const DEPTH_TTL_MS = 1_000;
/**
 * How long a reading past its freshness still stands while the next is taken: no request
 * waits for the count (under a steady load, a request that waited for it every second
 * was the p99). Older than this, a request waits for the new reading as for the first.
 */
const DEPTH_STALE_MS = 2_000;
/** Most a request waits for the first reading, or for one while the database does not answer; then it goes on without. */
const READING_WAIT_MS = 100;

/**
 * Back-pressure for Double-11: past INTAKE_HIGH_WATER returns waiting to be judged,
 * intake answers 429 with Retry-After instead of letting the backlog (Redis's memory
 * among it) grow without bound.
 *
 * The backlog is counted in `waiting_requests` (a row per request stored and not yet
 * judged), not in the intake queue: a queue's job holds a whole intake batch (one to
 * 200 requests), and a request whose job is still in the outbox (Redis away) waits too.
 */
@Injectable()
export class IntakeGate {
  private reading: { depth: number; at: number } | null = null;
  private pending: Promise<number> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Returns waiting to be judged, counted up to twice the high-water mark (enough for the
   * 429's Retry-After; the count of a Double-11 backlog stays a bounded scan). A reading is
   * fresh for DEPTH_TTL_MS; then the next request starts a new one and, until it is in,
   * the last one stands, up to DEPTH_STALE_MS old. With none that recent, a request waits
   * READING_WAIT_MS at most for the new one, then goes on with the last (0 before any: no
   * backlog known); a reading that failed leaves the last one (or 0) standing as if fresh
   * (the request's own write then answers for the database).
   */
  async depth(): Promise<number> {
    const reading = this.reading;
    const age = reading ? Date.now() - reading.at : Infinity;
    if (reading && age < DEPTH_TTL_MS) return reading.depth;
    this.pending ??= countWaiting(this.dataSource, 2 * this.config.intakeHighWater)
      // A count that failed (a pool busy past its timeout, the database away) leaves the last
      // known backlog standing, for as long as a fresh one, rather than opening the gate.
      .catch(() => this.reading?.depth ?? 0)
      .then((depth) => {
        this.reading = { depth, at: Date.now() };
        return depth;
      })
      .finally(() => (this.pending = null));
    if (reading && age < DEPTH_STALE_MS) return reading.depth;
    return Promise.race([this.pending, new Promise<number>((resolve) => setTimeout(() => resolve(reading?.depth ?? 0), READING_WAIT_MS).unref())]);
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
    const depth = await this.depth();
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
