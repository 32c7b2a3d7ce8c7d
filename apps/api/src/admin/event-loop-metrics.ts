import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHistogram, RecordableHistogram } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { PrometheusHistogram } from './prometheus-histogram';

/** How often the loop's lateness is sampled: a timer this often, how late it ran recorded. */
const RESOLUTION_MS = 20;

/**
 * How late this API process's event loop runs: while it is high every answer waits that long,
 * whatever the database and Redis do (the process starved of CPU by its neighbours or its
 * host, or a long synchronous task). On Double-11 it tells an API that needs another replica
 * from one waiting on PostgreSQL, whose intake latency (`returns_intake_duration_seconds`)
 * looks the same.
 *
 * Two forms, neither changed by reading it, so two Prometheus servers scraping one pod (an HA
 * pair) each see every stall: a histogram since the process started
 * (`returns_api_event_loop_lateness_seconds`, for `rate()` and `histogram_quantile`), and the
 * quantiles of the last `API_EVENT_LOOP_WINDOW` (`returns_api_event_loop_delay_seconds`),
 * kept per second in a ring so a stall leaves the window when its second does.
 *
 * Its own timer rather than `monitorEventLoopDelay`, which reports only the whole time since
 * it started or was reset.
 */
@Injectable()
export class EventLoopMetrics implements OnModuleDestroy {
  /** The window's length in seconds: the quantiles cover this many whole seconds and the one under way. */
  private readonly span: number;
  /** Lateness in nanoseconds (a histogram records integers from 1) of each second of the window: slot `s % length` holds second `s`. */
  private readonly window: { second: number; lateness: RecordableHistogram }[];
  private readonly lateness = new PrometheusHistogram(
    'returns_api_event_loop_lateness_seconds',
    'How late this API process ran its event loop (a timer every 20 ms), every sample since the process started: rate() over any range, histogram_quantile for its quantiles.',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  );
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.span = config.eventLoopWindowMs / 1000;
    this.window = Array.from({ length: this.span + 1 }, () => ({ second: -1, lateness: createHistogram() }));
    this.timer = setInterval(() => this.sample(), RESOLUTION_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    const lateMs = Math.max(0, now - this.last - RESOLUTION_MS);
    this.last = now;
    this.lateness.observe(lateMs / 1000);
    const second = Math.floor(now / 1000);
    const slot = this.window[second % this.window.length];
    if (slot.second !== second) {
      slot.second = second;
      slot.lateness.reset();
    }
    slot.lateness.record(Math.max(1, Math.round(lateMs * 1e6)));
  }

  /** Prometheus text lines. */
  lines(): string[] {
    const oldest = Math.floor(performance.now() / 1000) - this.span;
    const recent = createHistogram();
    for (const slot of this.window) if (slot.second >= oldest) recent.add(slot.lateness);
    const seconds = (ns: number) => (recent.count ? ns / 1e9 : 0);
    return [
      `# HELP returns_api_event_loop_delay_seconds How late this API process ran its event loop over the last ${this.span} s (API_EVENT_LOOP_WINDOW; a timer every 20 ms), by quantile: while high, every answer waits that long.`,
      '# TYPE returns_api_event_loop_delay_seconds gauge',
      `returns_api_event_loop_delay_seconds{quantile="0.5"} ${seconds(recent.percentile(50))}`,
      `returns_api_event_loop_delay_seconds{quantile="0.99"} ${seconds(recent.percentile(99))}`,
      `returns_api_event_loop_delay_seconds{quantile="1"} ${seconds(recent.max)}`,
      ...this.lateness.lines(),
    ];
  }
}
