import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CaseService, conflict, notFound, OrderSnapshot, ReturnCase } from '@returns/case';
import { JobRequest, Jobs, majorAmount, reasonGroupOf, RefundStatus } from '@returns/contracts';
import { OutboxService, Tx } from '@returns/queue';
import { casePolicy, PolicyBook, PolicyService } from '@returns/policy';
import { GatewayRefund, PAYMENT_GATEWAY, PaymentGateway, PaymentGatewayUnavailableError } from './payment-gateway.interface';
import { keysSoFar, payoutsUnder, refundIdOf, refundKey, roundOf } from './reconciliation';
import { computeRefund } from './refund-calculation';
import { Refund } from './refund.entity';
import { FeedbackService } from './feedback.service';

/**
 * What a case's refund messages carry besides: a refund-only customer was not told of the
 * approval (nothing is sent back, so no label says it), so the refund's message says it too.
 */
function messageParams(subject: Pick<ReturnCase, 'type'>): Record<string, string> {
  return subject.type === 'REFUND_ONLY' ? { refundOnly: 'yes' } : {};
}

/** What tells the customer the money is on its way: how much, and to what; and asks how we did. */
function succeededMessage(subject: Pick<ReturnCase, 'id' | 'type' | 'priority'>, refund: Pick<Refund, 'amount' | 'currency' | 'method'>, surveyUrl: string): JobRequest {
  const params = { amount: majorAmount(refund.amount, refund.currency), method: refund.method, surveyUrl, ...messageParams(subject) };
  return Jobs.notify(subject.id, 'refund.succeeded', params, subject.priority);
}

/**
 * What tells the customer, and upstream, that a round of the refund failed: each round that
 * finance retried and that failed again is told as a moment of its own (`momentKey`).
 */
function failedMoment(subject: Pick<ReturnCase, 'id' | 'type' | 'priority'>, round: number): JobRequest[] {
  return [Jobs.notify(subject.id, 'refund.failed', messageParams(subject), subject.priority, round), Jobs.webhook(subject.id, 'refund.failed', round)];
}

/** Finance: works out each case's refund and pays it to the original payment, exactly once. */
@Injectable()
export class RefundService {
  private readonly logger = new Logger(RefundService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly outbox: OutboxService,
    private readonly cases: CaseService,
    private readonly policies: PolicyService,
    private readonly feedback: FeedbackService,
  ) {}

  /**
   * Pays the refund of a case in REFUND_PENDING. The amount is fixed on the first run; every
   * attempt sends the same idempotency key, so a replay after a crash pays nothing twice. A
   * round finance retried first asks the gateway about the earlier rounds' keys, and records
   * a payment found there instead of paying again.
   * @param lastAttempt a failure now marks the refund FAILED instead of asking for a retry
   */
  async issue(caseId: string, lastAttempt: boolean): Promise<void> {
    // Outside the transaction (see IntakeService.judge): the versions the case was decided under.
    const found = await this.cases.find(caseId);
    const book = await this.policies.recordedBook(found?.decision?.policyVersion);
    const refund = await this.outbox.transaction((tx) => this.prepare(tx, caseId, book));
    if (!refund) return;

    await this.dataSource.query('UPDATE refunds SET attempts = attempts + 1, updated_at = now() WHERE id = $1', [refund.id]);
    let providerRefundId: string | null = null;
    if (refund.amount > 0) {
      try {
        // A round finance retried: an earlier one may have been paid since (the gateway settles late).
        const earlier = roundOf(refund.idempotencyKey) > 1 ? await this.paidUnder(keysSoFar(refund.id, refund.idempotencyKey).slice(0, -1)) : null;
        const paid =
          earlier ??
          (await this.gateway.refund({
            idempotencyKey: refund.idempotencyKey,
            provider: refund.method,
            transactionId: refund.paymentTransactionId,
            amountMinor: refund.amount,
            currency: refund.currency,
          }));
        providerRefundId = paid.providerRefundId;
      } catch (error) {
        const message = (error as Error).message;
        const permanent = (error as { permanent?: boolean }).permanent === true;
        if (permanent || lastAttempt) {
          await this.fail(refund.id, message);
          return;
        }
        await this.outbox.transaction(async (tx) => {
          await tx.manager.query('UPDATE refunds SET last_error = $2, updated_at = now() WHERE id = $1', [refund.id, message]);
          // A refund-only customer hears of the approval with the refund. When the first
          // payment fails, they hear of it alone now rather than after the retries.
          if (found?.type === 'REFUND_ONLY' && refund.attempts === 0) tx.enqueue(Jobs.notify(caseId, 'return.approved', messageParams(found), found.priority));
        });
        throw error;
      }
    }
    await this.outbox.transaction(async (tx) => {
      const subject = (await this.cases.lock(tx.manager, caseId))!;
      const current = await tx.manager.findOneByOrFail(Refund, { id: refund.id });
      if (current.status !== 'PENDING') return;
      await this.succeed(tx, subject, current, providerRefundId);
    });
  }

  /** Creates the refund on first sight; returns it when a payment call is due, else null. */
  private async prepare(tx: Tx, caseId: string, book: PolicyBook): Promise<Refund | null> {
    const subject = await this.cases.lock(tx.manager, caseId);
    if (!subject || subject.status !== 'REFUND_PENDING') return null; // paid before, or not due
    const existing = await tx.manager.findOne(Refund, { where: { caseId } });
    if (existing) return existing.status === 'PENDING' ? existing : null;

    const { order, refunded } = await this.orderRefunds(tx, subject.orderId);
    const lines = await this.cases.items(caseId, tx.manager);
    const policy = casePolicy(book, lines);
    // A restocking fee is for returns the customer chose, never for the merchant's fault or a lost parcel.
    const customerChose = reasonGroupOf(subject.reasonCode) === 'CUSTOMER' && subject.type !== 'REFUND_ONLY';
    const restockingFeePercent = customerChose && !(await this.cases.wasEver(tx.manager, caseId, 'LOST')) ? policy.restockingFeePercent : 0;
    const { amount, breakdown } = computeRefund({
      lines: lines.map((l) => ({ sku: l.sku, unitPrice: l.unitPrice, acceptedQuantity: l.acceptedQuantity ?? 0 })),
      returnShippingChargeMinor: subject.returnShippingChargeMinor,
      restockingFeePercent,
      paidMinor: order.paidTotalMinor,
      alreadyRefundedMinor: refunded,
    });
    // The same id for the case every time (see refundIdOf): a refund made again pays under the same keys.
    const id = refundIdOf(caseId);
    const now = new Date();
    const refund = Object.assign(new Refund(), {
      id,
      caseId,
      orderId: order.id,
      amount,
      currency: subject.currency,
      breakdown,
      method: order.payment?.provider ?? 'original',
      paymentTransactionId: order.payment?.transactionId ?? null,
      status: 'PENDING',
      idempotencyKey: refundKey(id, 1),
      providerRefundId: null,
      attempts: 0,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      succeededAt: null,
    } satisfies Refund);
    await tx.manager.insert(Refund, refund);
    return refund;
  }

  /**
   * An order, locked, so its refunds are worked out one at a time and together never exceed
   * what was paid; and what its refunds (but `except`) already hold of the payment. A FAILED
   * refund still holds its amount: finance retries it, and the gateway may have paid it
   * after all (the reconciliation settles that), so another case's refund must not take it.
   */
  private async orderRefunds(tx: Tx, orderId: string, except?: string): Promise<{ order: OrderSnapshot; refunded: number }> {
    const order = (await tx.manager.findOne(OrderSnapshot, { where: { id: orderId }, lock: { mode: 'pessimistic_write' } }))!;
    const [{ refunded }] = await tx.manager.query(
      `SELECT COALESCE(SUM(amount_minor), 0) AS refunded FROM refunds WHERE order_id = $1 AND id IS DISTINCT FROM $2`,
      [orderId, except ?? null],
    );
    return { order, refunded: Number(refunded) };
  }

  private async succeed(tx: Tx, subject: ReturnCase, refund: Refund, providerRefundId: string | null): Promise<void> {
    await tx.manager.update(Refund, { id: refund.id }, { status: 'SUCCEEDED', providerRefundId, lastError: null, succeededAt: new Date(), updatedAt: new Date() });
    await this.cases.transition(tx.manager, subject, 'REFUNDED', 'system:refund', `${majorAmount(refund.amount, refund.currency)} to ${refund.method}`);
    const survey = await this.feedback.open(tx, subject);
    tx.enqueue(succeededMessage(subject, refund, this.feedback.surveyUrl(survey)), Jobs.webhook(subject.id, 'refund.succeeded'));
  }

  private async fail(refundId: string, reason: string): Promise<void> {
    await this.outbox.transaction(async (tx) => {
      const refund = await tx.manager.findOneByOrFail(Refund, { id: refundId });
      const subject = (await this.cases.lock(tx.manager, refund.caseId))!;
      if (refund.status !== 'PENDING' || subject.status !== 'REFUND_PENDING') return;
      await tx.manager.update(Refund, { id: refundId }, { status: 'FAILED', lastError: reason, updatedAt: new Date() });
      await this.cases.transition(tx.manager, subject, 'REFUND_FAILED', 'system:refund', reason);
      tx.enqueue(...failedMoment(subject, roundOf(refund.idempotencyKey)));
    });
    this.logger.warn(`refund ${refundId} failed: ${reason}`);
  }

  /**
   * What the refund stage owes (`JobRecovery`): the payment of each case due its refund
   * since `since` whose refund is not yet recorded as paid or failed, in its current round
   * (so under the key the gateway already knows, should it have paid), and for a refund-only
   * case whose payment failed once the approval it was told of alone; and the customer's
   * message and the webhook of each refund paid, and of each of its rounds that failed, since
   * then (a job that finds it sent sends nothing).
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const cases: (Pick<ReturnCase, 'id' | 'type' | 'priority' | 'status'> &
      Pick<Refund, 'amount' | 'currency' | 'method'> & { refundStatus: RefundStatus | null; idempotencyKey: string | null; lastError: string | null; survey: string | null })[] =
      await this.dataSource.query(
        `SELECT c.id, c.type, c.priority, c.status, f.amount_minor::float8 AS amount, f.currency, f.method, f.status AS "refundStatus", f.idempotency_key AS "idempotencyKey",
                f.last_error AS "lastError", s.token AS survey
           FROM return_cases c LEFT JOIN refunds f ON f.case_id = c.id LEFT JOIN feedback s ON s.case_id = c.id
          WHERE c.status IN ('REFUND_PENDING', 'REFUNDED', 'REFUND_FAILED') AND c.updated_at >= $1`,
        [since],
      );
    return cases.flatMap((c): JobRequest[] => {
      const round = c.idempotencyKey ? roundOf(c.idempotencyKey) : 1;
      // Each round before the current one failed (finance retries only a failed refund), and
      // the current one too in REFUND_FAILED: each failure is told once (a job finds it told).
      const failures = Array.from({ length: c.status === 'REFUND_FAILED' ? round : round - 1 }, (_, i) => failedMoment(c, i + 1)).flat();
      if (c.status === 'REFUND_PENDING') {
        if (c.refundStatus !== null && c.refundStatus !== 'PENDING') return failures;
        const payment = Jobs.issueRefund(c.id, round, c.priority);
        // A refund-only customer whose payment failed once was told of the approval alone.
        return [...failures, payment, ...(c.type === 'REFUND_ONLY' && c.lastError ? [Jobs.notify(c.id, 'return.approved', messageParams(c), c.priority)] : [])];
      }
      if (c.status === 'REFUND_FAILED') return failures;
      // The survey was opened with the payment recorded: its link is the one first sent.
      return [...failures, ...(c.refundStatus === 'SUCCEEDED' && c.survey ? [succeededMessage(c, c, this.feedback.surveyUrl(c.survey)), Jobs.webhook(c.id, 'refund.succeeded')] : [])];
    });
  }

  /**
   * Finance asks to try a FAILED refund again. If the gateway did pay under any key the
   * refund has used after all (a round that timed out may be settled rounds later), that is
   * recorded instead. Otherwise the last round's payment is sent again under its own key
   * first (`resendLastRound`): a round that failed without a decline may still be paid, and
   * a new key would pay it twice. Only when the gateway declines that key for good does a new
   * round start with a new key, to the order's payment as upstream says it is now: a payment
   * corrected since (PUT /v1/orders, after the gateway declined the one recorded) is what the
   * new round refunds to.
   * @throws PaymentGatewayUnavailableError when the gateway does not answer (503): nothing changed
   */
  async retry(refundId: string, actor: string): Promise<Refund> {
    const found = await this.dataSource.manager.findOne(Refund, { where: { id: refundId } });
    if (!found) throw notFound('REFUND_NOT_FOUND', `refund ${refundId} not found`);
    let paidAfterAll: GatewayRefund | null;
    try {
      paidAfterAll = await this.paidUnder(keysSoFar(found.id, found.idempotencyKey));
    } catch (error) {
      throw new PaymentGatewayUnavailableError(`looking up its rounds' keys: ${(error as Error).message}`);
    }
    if (!paidAfterAll && found.status === 'FAILED' && found.amount > 0) {
      // What would refuse a new round (the order's payment no longer covers it) refuses before the gateway is asked again.
      await this.outbox.transaction((tx) => this.newRoundPayment(tx, found));
      paidAfterAll = await this.resendLastRound(found);
    }
    await this.outbox.transaction(async (tx) => {
      const subject = (await this.cases.lock(tx.manager, found.caseId))!;
      const refund = await tx.manager.findOneByOrFail(Refund, { id: refundId });
      if (refund.status !== 'FAILED' || subject.status !== 'REFUND_FAILED') {
        throw conflict('REFUND_NOT_FAILED', `refund ${refundId} is ${refund.status}: only FAILED refunds can be retried`);
      }
      // A round that was in flight when the gateway was asked, and has failed since, was not
      // sent again: a new key now could pay it twice.
      if (found.status !== 'FAILED' || refund.idempotencyKey !== found.idempotencyKey) {
        throw conflict('REFUND_NOT_FAILED', `refund ${refundId} was ${found.status} in round ${roundOf(found.idempotencyKey)} when its retry asked the gateway, and has changed since: retry again`);
      }
      const payment = paidAfterAll ? refund : await this.newRoundPayment(tx, refund);
      const corrected = payment.method !== refund.method || payment.paymentTransactionId !== refund.paymentTransactionId;
      await this.cases.transition(tx.manager, subject, 'REFUND_PENDING', actor, corrected ? `refund retried by finance, to the order's corrected payment (${payment.method})` : 'refund retried by finance');
      if (paidAfterAll) {
        await tx.manager.update(Refund, { id: refundId }, { status: 'PENDING' });
        await this.succeed(tx, subject, refund, paidAfterAll.providerRefundId);
        return;
      }
      const round = roundOf(refund.idempotencyKey) + 1;
      await tx.manager.update(Refund, { id: refundId }, {
        status: 'PENDING',
        idempotencyKey: refundKey(refundId, round),
        method: payment.method,
        paymentTransactionId: payment.paymentTransactionId,
        lastError: null,
        updatedAt: new Date(),
      });
      tx.enqueue(Jobs.issueRefund(subject.id, round, subject.priority));
    });
    return this.dataSource.manager.findOneByOrFail(Refund, { id: refundId });
  }

  /**
   * The payment a new round of `refund` goes to: the order's as upstream says it is now (or the
   * one recorded, when upstream sent none). Refuses with 409 REFUND_EXCEEDS_PAID when upstream
   * has lowered the order's total since the amount was fixed (PUT /v1/orders) below it, its
   * other refunds counted.
   */
  private async newRoundPayment(tx: Tx, refund: Refund): Promise<Pick<Refund, 'method' | 'paymentTransactionId'>> {
    const { order, refunded } = await this.orderRefunds(tx, refund.orderId, refund.id);
    const left = Math.max(0, order.paidTotalMinor - refunded);
    if (refund.amount > left) {
      throw conflict(
        'REFUND_EXCEEDS_PAID',
        `refund ${refund.id} of ${majorAmount(refund.amount, refund.currency)} is more than what is left of order ${order.id}'s payment ` +
          `(${majorAmount(left, refund.currency)}, its other refunds counted): settle it with the customer by hand`,
      );
    }
    return order.payment ? { method: order.payment.provider, paymentTransactionId: order.payment.transactionId } : refund;
  }

  /**
   * Sends a FAILED refund's last round again, under its own key and to the payment that key
   * was sent to. The round may have failed only for want of an answer (a timeout, a 5xx)
   * while the gateway went on to pay it, or may yet: the same key is answered with that
   * payment, never a second one.
   * @returns the payment, when the gateway makes or made it; null when it declines the key for good
   * @throws PaymentGatewayUnavailableError when it does not answer again
   */
  private async resendLastRound(refund: Refund): Promise<GatewayRefund | null> {
    // An attempt like any other: `attempts` counts the calls made to the gateway for the refund.
    await this.dataSource.query('UPDATE refunds SET attempts = attempts + 1, updated_at = now() WHERE id = $1', [refund.id]);
    try {
      return await this.gateway.refund({
        idempotencyKey: refund.idempotencyKey,
        provider: refund.method,
        transactionId: refund.paymentTransactionId,
        amountMinor: refund.amount,
        currency: refund.currency,
      });
    } catch (error) {
      if ((error as { permanent?: boolean }).permanent === true) return null;
      throw new PaymentGatewayUnavailableError(`round ${roundOf(refund.idempotencyKey)} sent again: ${(error as Error).message}`);
    }
  }

  /** What the gateway paid under one of a refund's `keys` (`keysSoFar`), first round first; null for nothing. */
  private async paidUnder(keys: string[]): Promise<GatewayRefund | null> {
    return (await payoutsUnder(this.gateway, keys))[0] ?? null;
  }

  /**
   * The gateway paid a refund we recorded as PENDING or FAILED (the reconciliation found
   * it, and knows its case): records the success as the payment's own run would have, case REFUNDED and the
   * customer told. Does nothing if it was settled meanwhile.
   * @returns whether it recorded anything
   */
  async settlePaid(paid: { id: string; caseId: string }, providerRefundId: string, actor: string): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const subject = (await this.cases.lock(tx.manager, paid.caseId))!;
      const refund = await tx.manager.findOneByOrFail(Refund, { id: paid.id });
      if (refund.status === 'FAILED' && subject.status === 'REFUND_FAILED') {
        await this.cases.transition(tx.manager, subject, 'REFUND_PENDING', actor, 'the gateway paid after all');
        await tx.manager.update(Refund, { id: paid.id }, { status: 'PENDING' });
      } else if (refund.status !== 'PENDING' || subject.status !== 'REFUND_PENDING') {
        return false;
      }
      await this.succeed(tx, subject, refund, providerRefundId);
      return true;
    });
  }

  findByCase(caseId: string): Promise<Refund | null> {
    return this.dataSource.manager.findOne(Refund, { where: { caseId } });
  }
}
