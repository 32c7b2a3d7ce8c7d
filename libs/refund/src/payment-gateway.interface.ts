export interface RefundOrder {
  /** The same key on every attempt: the gateway pays once per key. */
  idempotencyKey: string;
  provider: string;
  transactionId: string | null;
  /** minor units */
  amountMinor: number;
  currency: string;
}

export interface GatewayRefund {
  providerRefundId: string;
  /** minor units */
  amountMinor: number;
}

/** The gateway refused for good (closed account, refund window over): retrying will not help. */
export class PaymentDeclinedError extends Error {
  readonly permanent = true;
}

/**
 * The gateway did not answer a question a request needs answered now (finance's retry: was
 * an earlier round paid, will the last round's key pay): nothing was changed; ask again later.
 */
export class PaymentGatewayUnavailableError extends Error {
  constructor(reason: string) {
    super(`the payment gateway did not answer (${reason}); nothing was changed, retry later`);
  }
}

/** The payment provider that refunds to the original payment. */
export interface PaymentGateway {
  /** Pays, or answers the earlier result for the same idempotency key. Throws on failure. */
  refund(order: RefundOrder): Promise<GatewayRefund>;
  /** What the gateway holds for a key, if anything: used before a new round after a failure. */
  findRefund(idempotencyKey: string): Promise<GatewayRefund | null>;
}

export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');
