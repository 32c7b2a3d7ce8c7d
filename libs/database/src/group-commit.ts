/**
 * Group commit: callers that arrive together share one database round trip and one
 * commit. Each `submit` waits for the batch it joined; a batch starts at once while fewer
 * than `inFlight` batches are running, so at low load a caller waits for nothing but its
 * own statement, and under a surge the batches grow by themselves instead of the commits
 * queueing up one behind another.
 *
 * When a batch of more than one fails for a reason that is not the database going away
 * (a row it refuses, say), its items are tried again one by one (`inFlight` at a time), so
 * one bad item fails alone and the others still land.
 */
export interface GroupCommitOptions {
  /** What it writes, for the statistics (`/metrics`: returns_batch_items_total{stage=...}). */
  name: string;
  /** Most items in one batch. */
  maxBatch: number;
  /** Most batches running at once; keep it below the connection pool's size. */
  inFlight: number;
}

/** Runs one batch; answers one result per item, in the same order. */
export type BatchRunner<I, O> = (items: I[]) => Promise<O[]>;

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/** What the group commits of one name have done in this process since it started. */
export interface BatchTotals {
  /** batches written (the retries of a failed batch's items one by one included) */
  batches: number;
  /** items in them */
  items: number;
  /** items tried again alone after their batch failed */
  retried: number;
}

const live = new Set<GroupCommit<unknown, unknown>>();

/** Adds `more` to the totals kept under `name` in `into`. */
export function addBatchTotals(into: Record<string, BatchTotals>, name: string, more: BatchTotals): void {
  const t = (into[name] ??= { batches: 0, items: 0, retried: 0 });
  t.batches += more.batches;
  t.items += more.items;
  t.retried += more.retried;
}

/**
 * Resolves once every group commit of this process has written all it was given: at
 * shutdown, after the workers stopped taking jobs and before the pool closes.
 */
export async function drainGroupCommits(): Promise<void> {
  while ([...live].some((commit) => commit.pending > 0)) await Promise.all([...live].map((commit) => commit.drained()));
}

/** Totals of every group commit of this process, by name. */
export function groupCommitTotals(): Record<string, BatchTotals> {
  const totals: Record<string, BatchTotals> = {};
  for (const commit of live) addBatchTotals(totals, commit.name, commit.totals);
  return totals;
}

export class GroupCommit<I, O> {
  readonly totals: BatchTotals = { batches: 0, items: 0, retried: 0 };
  private queue: Waiting<I, O>[] = [];
  /** batches being written */
  private running = 0;
  /** items in them */
  private writing = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly run: BatchRunner<I, O>,
    private readonly options: GroupCommitOptions,
    private readonly isConnectionError: (error: unknown) => boolean = () => false,
  ) {
    live.add(this as GroupCommit<unknown, unknown>);
  }

  get name(): string {
    return this.options.name;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.start();
      else if (!this.scheduled) {
        // Let the callers already parsed in this turn of the event loop join the batch.
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.start();
        });
      }
    });
  }

  /** Items waiting or being written. */
  get pending(): number {
    return this.queue.length + this.writing;
  }

  /**
   * Leaves the process's registry (`drainGroupCommits`, `groupCommitTotals`) once its owner
   * shuts down, after the drain: a process that runs more than one application (the tests)
   * would otherwise keep every closed one's batches in its totals, and the instances alive.
   */
  close(): void {
    live.delete(this as GroupCommit<unknown, unknown>);
  }

  /** Resolves once nothing is waiting or running (for shutdown). */
  drained(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private start(): void {
    while (this.running < this.options.inFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      this.writing += batch.length;
      void this.write(batch).finally(() => {
        this.running--;
        this.writing -= batch.length;
        if (this.queue.length) this.start();
        else if (!this.running) this.idle.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  /** Writes `batch`, settling each caller's promise. @returns the error of a write that failed for all of it */
  private async write(batch: Waiting<I, O>[]): Promise<unknown> {
    this.totals.batches++;
    this.totals.items += batch.length;
    try {
      const results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${results.length} results`);
      batch.forEach((w, i) => w.resolve(results[i]));
      return undefined;
    } catch (error) {
      if (batch.length === 1 || this.isConnectionError(error)) {
        batch.forEach((w) => w.reject(error));
        return error;
      }
      // One item may have spoiled the batch: each on its own, so it fails alone; no more at
      // once than `inFlight`, so a failed batch of 200 does not ask the pool for 200
      // connections; and once the database is found away, the rest fail with that at once
      // rather than each wait for a connection.
      this.totals.retried += batch.length;
      const alone = [...batch];
      let away: { error: unknown } | undefined;
      const next = async () => {
        for (let w = alone.shift(); w; w = alone.shift()) {
          if (away) {
            w.reject(away.error);
            continue;
          }
          const failure = await this.write([w]);
          if (failure !== undefined && this.isConnectionError(failure)) away = { error: failure };
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.options.inFlight, alone.length) }, next));
      return undefined;
    }
  }
}
