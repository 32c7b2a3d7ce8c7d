'use strict';
/** Latencies in milliseconds, kept whole (8 bytes each) for exact percentiles at the end. */
class Latencies {
  constructor(initial = 1024) {
    this.values = new Float64Array(initial);
    this.count = 0;
  }

  add(ms) {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }

  /** { count, min, mean, p50, p95, p99, max } in ms, or nulls when empty. */
  summary() {
    return summarize(this.values.subarray(0, this.count));
  }
}

function summarize(values) {
  const n = values.length;
  if (!n) return { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: n, min: sorted[0], mean: sum / n, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[n - 1] };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

module.exports = { Latencies, summarize, percentile };
