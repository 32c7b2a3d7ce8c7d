import { Inject, Injectable } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { RedisClient, SIMULATOR_REDIS } from '@returns/queue';
import { GatewayRefund, PaymentDeclinedError, PaymentGateway, RefundOrder } from '../payment-gateway.interface';

/**
 * A simulated payment gateway with a ledger in Redis shared by every process: idempotent
 * by key, with latency and injectable failures. Transaction ids containing `DECLINE` are
 * refused for good; ids containing `FLAKY` time out on the first two calls of each key.
 */
@Injectable()
export class PaymentSimulator implements PaymentGateway {
  constructor(
    @Inject(SIMULATOR_REDIS) private readonly client: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async refund(order: RefundOrder): Promise<GatewayRefund> {
    const { latencyMs, failureRate } = this.config.simulators;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, randomInt(Math.floor(latencyMs / 2), latencyMs + 1)));
    const ledger = this.client.key('sim', 'payment', 'refunds');
    const earlier = await this.client.redis.hget(ledger, order.idempotencyKey);
    if (earlier) return JSON.parse(earlier) as GatewayRefund;

    const transaction = order.transactionId ?? '';
    if (transaction.includes('DECLINE')) throw new PaymentDeclinedError(`payment simulator: ${order.provider} declined the refund of ${transaction}`);
    if (transaction.includes('FLAKY')) {
      const calls = await this.client.redis.hincrby(this.client.key('sim', 'payment', 'flaky-calls'), order.idempotencyKey, 1);
      if (calls <= 2) throw new Error('payment simulator: gateway timed out');
    }
    if (failureRate > 0 && Math.random() < failureRate) throw new Error('payment simulator: gateway timed out');

    const result: GatewayRefund = { providerRefundId: `${order.provider}-rf-${randomUUID().slice(0, 13)}`, amountMinor: order.amountMinor };
    // First writer wins: two racing calls with one key pay once and agree on the result;
    // the ledger entry and the payout are written together or not at all.
    const payouts = this.client.key('sim', 'payment', 'payouts');
    if (!(await this.client.setOnceWith(ledger, order.idempotencyKey, JSON.stringify(result), payouts, JSON.stringify({ ...result, ...order })))) {
      return JSON.parse((await this.client.redis.hget(ledger, order.idempotencyKey))!) as GatewayRefund;
    }
    return result;
  }

  async findRefund(idempotencyKey: string): Promise<GatewayRefund | null> {
    const found = await this.client.redis.hget(this.client.key('sim', 'payment', 'refunds'), idempotencyKey);
    return found ? (JSON.parse(found) as GatewayRefund) : null;
  }

  /** Every payout the simulated gateway made, in order: what tests count to prove "paid once". */
  async payouts(): Promise<(GatewayRefund & RefundOrder)[]> {
    const rows = await this.client.redis.lrange(this.client.key('sim', 'payment', 'payouts'), 0, -1);
    return rows.map((row) => JSON.parse(row));
  }
}
