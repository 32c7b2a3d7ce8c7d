import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHistogram, RecordableHistogram } from 'node:perf_hooks';

/** How often the loop's lateness is sampled: a timer this often, how late it ran recorded. */
const RESOLUTION_MS = 20;

/**
 * How late this API process's event loop has run since the last scrape of `/metrics`: while
 * it is high every answer waits that long, whatever the database and Redis do (the process
 * starved of CPU by its neighbours or its host, or a long synchronous task). On Double-11 it
 * tells an API that needs another replica from one waiting on PostgreSQL, whose intake
 * latency (`returns_intake_duration_seconds`) looks the same.
 *
 * Its own timer rather than `monitorEventLoopDelay`, whose reset forgets the interval it
 * falls in: a stall just after a scrape would be reported by neither window.
 */
@Injectable()
export class EventLoopMetrics implements OnModuleDestroy {
  /** lateness in nanoseconds (a histogram records integers from 1) */
  private readonly lateness: RecordableHistogram = createHistogram();
  private last = performance.now();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    this.lateness.record(Math.max(1, Math.round((now - this.last - RESOLUTION_MS) * 1e6)));
    this.last = now;
  }, RESOLUTION_MS).unref();

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Prometheus text lines; the window starts again after each call. */
  lines(): string[] {
    const h = this.lateness;
    const seconds = (ns: number) => (h.count ? ns / 1e9 : 0);
    const lines = [
      '# HELP returns_api_event_loop_delay_seconds How late this API process ran its event loop since the last scrape (a timer every 20 ms), by quantile: while high, every answer waits that long.',
      '# TYPE returns_api_event_loop_delay_seconds gauge',
      `returns_api_event_loop_delay_seconds{quantile="0.5"} ${seconds(h.percentile(50))}`,
      `returns_api_event_loop_delay_seconds{quantile="0.99"} ${seconds(h.percentile(99))}`,
      `returns_api_event_loop_delay_seconds{quantile="1"} ${seconds(h.max)}`,
    ];
    h.reset();
    return lines;
  }
}
