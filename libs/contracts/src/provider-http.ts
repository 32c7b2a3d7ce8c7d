/**
 * Calling a real provider over HTTP (the carrier, the payment gateway, the SMS, WeChat and
 * push providers): one shape of request and of failure for every adapter, so each adapter
 * says only what its provider's API means.
 */

/** Where a provider is and how we call it (`AppConfig.providers`). */
export interface ProviderEndpoint {
  /** base URL, no trailing slash */
  url: string;
  /** sent as `Authorization: Bearer <apiKey>` */
  apiKey: string | null;
  /** the longest one call may take; past it the call fails as a timeout would */
  timeoutMs: number;
}

/** A provider call that failed: no answer (`status` null: refused, reset, timed out) or a non-2xx one. */
export class ProviderHttpError extends Error {
  constructor(
    readonly provider: string,
    readonly status: number | null,
    /** the provider's answer, parsed when it was JSON */
    readonly answer: unknown,
    message: string,
  ) {
    super(message);
  }
}

export interface ProviderRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** appended to the base URL: `/bookings`, `/refunds?idempotencyKey=...` */
  path: string;
  /** sent as `Idempotency-Key`: the provider acts once per key, however often it is sent */
  idempotencyKey?: string;
  /** sent as JSON */
  body?: unknown;
  /** statuses answered as they are rather than thrown (e.g. 404 for "no such refund") */
  accept?: number[];
}

/**
 * Calls `provider` (named `name` in errors and logs): JSON in and out, the key and the
 * idempotency key in headers, at most `timeoutMs`. Answers the status and the parsed body
 * for a 2xx or an `accept`ed status; throws ProviderHttpError for anything else.
 */
export async function callProvider<T>(name: string, provider: ProviderEndpoint, request: ProviderRequest): Promise<{ status: number; body: T | null }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const where = `${request.method} ${provider.url}${request.path}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${provider.url}${request.path}`, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(provider.timeoutMs),
    });
    // Within the timeout too: a provider that sends its headers and then stalls is no answer.
    text = await response.text();
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new ProviderHttpError(name, null, null, `${name}: ${where} ${timedOut ? `timed out after ${provider.timeoutMs} ms` : `failed: ${(error as Error).message}`}`);
  }
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (response.ok || request.accept?.includes(response.status)) return { status: response.status, body: body as T | null };
  const detail = quotedAnswer(body);
  throw new ProviderHttpError(name, response.status, body, `${name}: ${where} answered ${response.status}${detail ? `: ${detail}` : ''}`);
}

/** As much of a provider's answer as an error message quotes. */
export function quotedAnswer(body: unknown): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  return text.slice(0, 300);
}

/**
 * A 2xx answer that is not what the provider's API promises (`problem`: what it lacks): an
 * error like a failed call, which the job retries under the same key, rather than a record of
 * something the provider may not have done. `call`: `POST <url>/bookings` and the like.
 */
export function unusableAnswer(name: string, call: string, status: number, body: unknown, problem: string): ProviderHttpError {
  return new ProviderHttpError(name, status, body, `${name}: ${call} answered ${status} with ${problem}: ${quotedAnswer(body)}`);
}
