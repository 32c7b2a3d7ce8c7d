/**
 * A Prometheus histogram kept in this process: cumulative buckets, sum and count, which any
 * number of scrapers can read (`histogram_quantile(0.99, rate(<name>_bucket[1m]))`) without
 * taking anything from each other.
 */
export class PrometheusHistogram {
  /** observations at or under each bucket's bound, the last past every bound (not cumulative here; summed when rendered) */
  private readonly counts: number[];
  private count = 0;
  private sum = 0;

  /** `bounds` ascending, in the unit of the observations (seconds). */
  constructor(
    private readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.count++;
    this.sum += value;
  }

  /** Prometheus text lines. */
  lines(): string[] {
    let cumulative = 0;
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.bounds.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${(cumulative += this.counts[i])}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}
