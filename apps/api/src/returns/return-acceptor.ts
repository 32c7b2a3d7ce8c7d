import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { AcceptedReturn, IntakeGate, IntakeService, ReturnRequestBody } from '@returns/intake';

/** The 202 answer to `POST /v1/returns`. */
export interface AcceptedAnswer extends AcceptedReturn {
  statusUrl: string;
}

/**
 * Accepting a return request once its key and body have been checked, for both ways in:
 * `IntakeHotPath` (certainly valid requests) and `ReturnsController.create` (the rest).
 */
@Injectable()
export class ReturnAcceptor {
  constructor(
    private readonly intake: IntakeService,
    private readonly gate: IntakeGate,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Why the hot path could not accept a request it handed on: the controller answers with it. */
  private readonly failures = new WeakMap<IncomingMessage, unknown>();

  /**
   * Buffers the request for judging; past the high-water mark, throws `IntakeBacklogException`
   * (429) unless its key was used before, which gets the answer it got then (the same, or
   * 409 for another body): a client retrying after a lost answer learns its return's id. A
   * request the hot path already tried (`failedBefore`) is not tried again: its error is
   * thrown, so it is one attempt whichever way it came.
   */
  async accept(clientId: string, idempotencyKey: string, body: ReturnRequestBody, request?: IncomingMessage): Promise<AcceptedAnswer> {
    if (request && this.failures.has(request)) throw this.failures.get(request);
    const accepted = await this.gate.through(
      () => this.intake.accept(clientId, idempotencyKey, body),
      () => this.intake.answerAgain(clientId, idempotencyKey, body),
    );
    return { ...accepted, statusUrl: `${this.config.publicBaseUrl}/v1/returns/${accepted.id}` };
  }

  /** Records that accepting `request` failed with `error`, for the controller it is handed to. */
  failedBefore(request: IncomingMessage, error: unknown): void {
    this.failures.set(request, error);
  }
}

/** Why an `Idempotency-Key` header cannot be used, as [message, code]; undefined when it can. */
export function idempotencyKeyProblem(key: string | undefined): [string, string] | undefined {
  if (!key || !key.trim()) return ['Idempotency-Key header is required', 'IDEMPOTENCY_KEY_REQUIRED'];
  if (key.length > 255) return ['Idempotency-Key must be at most 255 characters', 'IDEMPOTENCY_KEY_TOO_LONG'];
  return undefined;
}
