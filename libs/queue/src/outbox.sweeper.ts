import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { OUTBOX_SWEEP_ROWS, OutboxService } from './outbox.service';

/** Runs `OutboxService.sweep` periodically in worker processes. */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboxSweeper.name);
  private running = false;

  constructor(
    private readonly outbox: OutboxService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const handle = setInterval(() => void this.tick(), this.config.outboxSweepMs);
    this.scheduler.addInterval('outbox-sweep', handle);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      // After a Redis outage the outbox may hold a surge's worth: keep going while batches come back full.
      let added = 0;
      for (let round = await this.outbox.sweep(this.config.outboxSweepMs); ; round = await this.outbox.sweep(this.config.outboxSweepMs)) {
        added += round.jobs;
        if (round.rows < OUTBOX_SWEEP_ROWS) break;
      }
      if (added) this.logger.log(`re-added ${added} job(s) left in the outbox`);
    } catch (error) {
      this.logger.warn(`outbox sweep failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
