import { Inject, Injectable } from '@nestjs/common';
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

  /** Throws `IntakeBacklogException` (429) past the high-water mark; else buffers the request for judging. */
  async accept(clientId: string, idempotencyKey: string, body: ReturnRequestBody): Promise<AcceptedAnswer> {
    await this.gate.admit();
    const accepted = await this.intake.accept(clientId, idempotencyKey, body);
    return { ...accepted, statusUrl: `${this.config.publicBaseUrl}/v1/returns/${accepted.id}` };
  }
}

/** Why an `Idempotency-Key` header cannot be used, as [message, code]; undefined when it can. */
export function idempotencyKeyProblem(key: string | undefined): [string, string] | undefined {
  if (!key || !key.trim()) return ['Idempotency-Key header is required', 'IDEMPOTENCY_KEY_REQUIRED'];
  if (key.length > 255) return ['Idempotency-Key must be at most 255 characters', 'IDEMPOTENCY_KEY_TOO_LONG'];
  return undefined;
}
