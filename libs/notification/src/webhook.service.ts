import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { CaseService } from '@returns/case';
import { JobName, JobRequest, Jobs, momentKey, momentOf, signBody, WebhookEventType } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { Refund, refundView } from '@returns/refund';

/**
 * What subscribers dedupe on: one id per case and event (and round, for a refund that fails
 * again: `momentKey`), the same across retries and recoveries.
 */
const eventIdOf = (caseId: string, type: WebhookEventType, round = 1) => `evt_${caseId}_${momentKey(type, round)}`;

function isWebhook(job: JobRequest): job is JobRequest<JobName.DeliverWebhook> {
  return job.name === JobName.DeliverWebhook;
}

/**
 * Outbound webhooks to OUTBOUND_WEBHOOK_URLS: one delivery per event and endpoint, signed,
 * with an event id that stays the same across retries.
 */
@Injectable()
export class WebhookService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cases: CaseService,
    private readonly inspections: InspectionService,
  ) {}

  /**
   * What webhooks owe (`JobRecovery`): each event first tried since `since` that an endpoint
   * has not yet taken (PENDING). Its job put back delivers it under the same event id, which
   * is what subscribers dedupe on; its `occurredAt` is then the new job's creation.
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const pending: { case_id: string; type: WebhookEventType; event_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT case_id, type, event_id FROM webhook_deliveries WHERE status = 'PENDING' AND created_at >= $1`,
      [since],
    );
    return pending.map((d) => Jobs.webhook(d.case_id, d.type, momentOf(d.event_id).round));
  }

  /**
   * Of `jobs`, all but the webhooks every endpoint now configured has taken (`JobRecovery`):
   * a stage owes the webhook of each event it saw, whether or not its job ever ran; one tried
   * and not yet taken stays owed. With no endpoint configured, no webhook is owed.
   */
  async notYetDelivered(jobs: JobRequest[]): Promise<JobRequest[]> {
    const events = jobs.filter(isWebhook);
    if (!events.length) return jobs;
    const urls = this.config.outboundWebhookUrls;
    if (!urls.length) return jobs.filter((job) => !isWebhook(job));
    const rows: { event_id: string }[] = await this.dataSource.query(
      `SELECT event_id FROM webhook_deliveries WHERE event_id = ANY($1::text[]) AND url = ANY($2::text[]) AND status = 'DELIVERED'
        GROUP BY event_id HAVING count(DISTINCT url) = $3`,
      [events.map((e) => eventIdOf(e.data.caseId, e.data.type, e.data.round)), urls, new Set(urls).size],
    );
    const delivered = new Set(rows.map((r) => r.event_id));
    return jobs.filter((job) => !(isWebhook(job) && delivered.has(eventIdOf(job.data.caseId, job.data.type, job.data.round))));
  }

  /**
   * @param occurredAt when the event happened (the job's creation), fixed across retries
   * @param round which time the event happens (a refund failed again), for its id
   */
  async deliver(caseId: string, type: WebhookEventType, occurredAt: Date, round = 1): Promise<void> {
    const urls = this.config.outboundWebhookUrls;
    if (!urls.length) return;
    const subject = await this.cases.find(caseId);
    if (!subject) throw new Error(`case ${caseId} not found`);
    // The contract's inventory.disposition is per item: where each graded line's units go
    // (one sku can go two ways), not the case's one line per sku.
    const items =
      type === 'inventory.disposition'
        ? await this.inspections.dispositions(caseId)
        : (await this.cases.items(caseId)).map(({ returnCase: _ignored, caseId: _case, ...item }) => item);
    // The refund as the case view shows it (null before there is one): what refund.succeeded
    // and refund.failed are about, the amount and currency paid or owed.
    const refund = await this.dataSource.manager.findOne(Refund, { where: { caseId } });
    const eventId = eventIdOf(caseId, type, round);
    const body = JSON.stringify({ id: eventId, type, occurredAt: occurredAt.toISOString(), data: { ...subject, items, refund: refund && refundView(refund) } });

    for (const url of urls) {
      await this.dataSource.query(
        `INSERT INTO webhook_deliveries (id, event_id, type, url, case_id, status) VALUES (gen_random_uuid(), $1, $2, $3, $4, 'PENDING')
         ON CONFLICT (event_id, url) DO NOTHING`,
        [eventId, type, url, caseId],
      );
    }
    const due: { id: string; url: string }[] = await this.dataSource.query(
      `SELECT id, url FROM webhook_deliveries WHERE event_id = $1 AND status <> 'DELIVERED' AND url = ANY($2)`,
      [eventId, urls],
    );
    const failures: string[] = [];
    for (const delivery of due) {
      try {
        const response = await fetch(delivery.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': signBody(body, this.config.webhookSecret), 'x-event-id': eventId },
          body,
          signal: AbortSignal.timeout(10_000),
          // A redirect is not a delivery: followed, a 301 or 302 turns the POST into a bodiless
          // GET that answers 200, and the event would be recorded as taken by an endpoint that
          // never saw it (and a 307 would send it, signed, wherever it pointed).
          redirect: 'manual',
        });
        if (!response.ok) throw new Error(`${delivery.url} answered ${response.status}`);
        await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE id = $1`, [delivery.id]);
      } catch (error) {
        failures.push((error as Error).message);
        await this.dataSource.query(`UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [delivery.id, (error as Error).message]);
      }
    }
    if (failures.length) throw new Error(`webhook ${type} for case ${caseId} not delivered: ${failures.join('; ')}`);
  }
}
