import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { PrometheusHistogram } from '../admin/prometheus-histogram';

/**
 * What `POST /v1/returns` answered in this process, by status, and how long it took: what a
 * dashboard needs to see back-pressure (429s) and intake latency without an ingress of its
 * own. Counts both ways in (the hot path and the controller), from the request's arrival
 * to the end of its answer.
 */
@Injectable()
export class IntakeMetrics {
  private readonly byStatus = new Map<number, number>();
  private readonly duration = new PrometheusHistogram(
    'returns_intake_duration_seconds',
    'Time from a POST /v1/returns arriving to its answer sent, in this process.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );

  /** Starts timing a request; its answer is counted when it has been sent. */
  observe(response: ServerResponse): void {
    const started = performance.now();
    response.once('finish', () => this.record(response.statusCode, (performance.now() - started) / 1000));
  }

  private record(status: number, seconds: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    this.duration.observe(seconds);
  }

  /** Prometheus text lines. */
  lines(): string[] {
    return [
      '# HELP returns_intake_responses_total Answers to POST /v1/returns by this process, by HTTP status (429: back-pressure).',
      '# TYPE returns_intake_responses_total counter',
      ...[...this.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `returns_intake_responses_total{code="${status}"} ${n}`),
      ...this.duration.lines(),
    ];
  }
}
