import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrderInput, OrderService } from '@returns/case';
import { parseTimestamp } from '@returns/contracts';
import { IntakeGate } from './intake-gate.service';
import { IntakeService } from './intake.service';
import { ReturnRequestBody } from './return-request.entity';

export type UpstreamEventType = 'order.delivered' | 'return.requested';

export interface UpstreamEvent {
  id: string;
  type: UpstreamEventType;
  occurredAt: string;
  /** an order snapshot with its `orderId`, or a return request body (already validated) */
  data: Record<string, unknown>;
}

export interface EventOutcome {
  accepted: true;
  duplicate: boolean;
  /** the case a `return.requested` opened */
  returnId?: string;
}

/**
 * Upstream events (`POST /v1/events`): the same data as the direct endpoints, idempotent
 * by event id within the system (API key) that sends them. A repeated id changes nothing; an
 * `order.delivered` that occurred before the order's last change (a newer event, or a PUT)
 * does not overwrite the newer snapshot (`OrderService.upsert`).
 */
@Injectable()
export class UpstreamEventsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrderService,
    private readonly intake: IntakeService,
    private readonly gate: IntakeGate,
  ) {}

  async handle(event: UpstreamEvent, clientId: string): Promise<EventOutcome> {
    // Ids are the sending system's own: another system's event under the same id is another event.
    const [seen] = await this.dataSource.query('SELECT result FROM upstream_events WHERE client_id = $1 AND id = $2', [clientId, event.id]);
    if (seen) return { accepted: true, duplicate: true, ...(seen.result ?? {}) };

    // Stored as sent; applied as at most now (`OrderService.upsert` takes it so too).
    const occurredAt = parseTimestamp(event.occurredAt);
    const happenedBy = new Date(Math.min(occurredAt.getTime(), Date.now()));
    let result: { returnId?: string } = {};
    if (event.type === 'order.delivered') {
      const { orderId, ...order } = event.data as unknown as { orderId: string } & OrderInput;
      // The event says the order was delivered: a snapshot that leaves out when was delivered
      // when the event happened, not undelivered.
      const deliveredAt = order.deliveredAt ?? happenedBy.toISOString();
      await this.intake.judgeDelivered(await this.orders.upsert(orderId, { ...order, deliveredAt }, happenedBy));
    } else {
      // The event id is the idempotency key, so a retried or raced event opens one case; past
      // the high-water mark a new one gets 429, as a POST /v1/returns would.
      const [key, body] = [`event:${clientId}`, event.data as unknown as ReturnRequestBody];
      const accepted = await this.gate.through(
        () => this.intake.accept(key, event.id, body),
        () => this.intake.answerAgain(key, event.id, body),
      );
      result = { returnId: accepted.id };
    }
    const inserted = await this.dataSource.query(
      `INSERT INTO upstream_events (id, type, occurred_at, client_id, payload, result) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (client_id, id) DO NOTHING RETURNING id`,
      [event.id, event.type, occurredAt, clientId, JSON.stringify(event.data), JSON.stringify(result)],
    );
    return { accepted: true, duplicate: inserted.length === 0, ...result };
  }
}
