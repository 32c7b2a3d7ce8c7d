import { callProvider, ProviderEndpoint, ProviderHttpError, quotedAnswer, unusableAnswer } from '@returns/contracts';
import { GatewayRefund, PaymentDeclinedError, PaymentGateway, RefundOrder } from '../payment-gateway.interface';

const NAME = 'payment gateway';

/** Statuses by which the provider refuses a refund for good: retrying under the same key cannot help. */
const DECLINED = [402, 422];

/**
 * The payment provider's refund API over HTTP (PAYMENT_API_URL, PAYMENT_API_KEY sent as
 * `Authorization: Bearer`, at most PROVIDER_TIMEOUT a call):
 *
 * - `POST {url}/refunds`, header `Idempotency-Key: <order.idempotencyKey>`, JSON body
 *   `{ provider, transactionId, amountMinor, currency }` → 200/201
 *   `{ providerRefundId, amountMinor }`. The provider pays once per key and answers a repeat
 *   with the first result. 402 or 422: refused for good (`PaymentDeclinedError`, with the
 *   provider's `code` and `message`). Anything else (5xx, 429, 401/403, a timeout, a refused
 *   connection) is a `ProviderHttpError`, which the job retries under the same key.
 * - `GET {url}/refunds?idempotencyKey=<key>` → 200 `{ providerRefundId, amountMinor }`, or
 *   404 when the provider holds nothing for the key.
 *
 * An answer we cannot trust (no providerRefundId, or another amount than asked) throws a
 * ProviderHttpError, retryable, rather than being recorded as paid: a retry asks again under
 * the same key, and if the provider keeps answering so, the refund ends FAILED on its last
 * attempt and the reconciliation reports what the provider holds.
 */
export class PaymentHttpGateway implements PaymentGateway {
  constructor(private readonly endpoint: ProviderEndpoint) {}

  async refund(order: RefundOrder): Promise<GatewayRefund> {
    let answer: { status: number; body: unknown };
    try {
      answer = await callProvider<unknown>(NAME, this.endpoint, {
        method: 'POST',
        path: '/refunds',
        idempotencyKey: order.idempotencyKey,
        body: { provider: order.provider, transactionId: order.transactionId, amountMinor: order.amountMinor, currency: order.currency },
      });
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status !== null && DECLINED.includes(error.status)) {
        throw new PaymentDeclinedError(`${NAME} declined the refund under key ${order.idempotencyKey} (${error.status}): ${refusal(error.answer)}`);
      }
      throw error;
    }
    const call = `POST ${this.endpoint.url}/refunds under key ${order.idempotencyKey}`;
    const paid = gatewayRefund(answer, call);
    if (paid.amountMinor !== order.amountMinor) {
      throw unusableAnswer(NAME, call, answer.status, answer.body, `an amount of ${paid.amountMinor} (minor units) for a refund of ${order.amountMinor}, not recorded as paid`);
    }
    return paid;
  }

  async findRefund(idempotencyKey: string): Promise<GatewayRefund | null> {
    const answer = await callProvider<unknown>(NAME, this.endpoint, {
      method: 'GET',
      path: `/refunds?idempotencyKey=${encodeURIComponent(idempotencyKey)}`,
      accept: [404],
    });
    if (answer.status === 404) return null;
    return gatewayRefund(answer, `GET ${this.endpoint.url}/refunds for key ${idempotencyKey}`);
  }
}

/** The provider's 2xx answer as a GatewayRefund; throws a (retryable) ProviderHttpError when it does not have that shape. */
function gatewayRefund({ status, body }: { status: number; body: unknown }, call: string): GatewayRefund {
  const { providerRefundId, amountMinor } = (body && typeof body === 'object' ? body : {}) as Partial<Record<keyof GatewayRefund, unknown>>;
  const problem =
    typeof providerRefundId !== 'string' || !providerRefundId
      ? 'no providerRefundId'
      : typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor) || amountMinor < 0
        ? 'no amountMinor in whole minor units'
        : null;
  if (problem) throw unusableAnswer(NAME, call, status, body, problem);
  return { providerRefundId: providerRefundId as string, amountMinor: amountMinor as number };
}

/** What the provider said when it refused: its JSON `code` and `message`, else its text. */
function refusal(answer: unknown): string {
  if (answer && typeof answer === 'object') {
    const { code, message } = answer as { code?: unknown; message?: unknown };
    const said = [code, message].filter((part) => (typeof part === 'string' && part !== '') || typeof part === 'number').join(': ');
    if (said) return said;
  }
  return quotedAnswer(answer) || 'no reason given';
}
