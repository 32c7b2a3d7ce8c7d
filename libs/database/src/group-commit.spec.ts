import { drainGroupCommits, GroupCommit, groupCommitTotals } from './group-commit';

/**
 * A runner that records each batch it was given and answers item * 10, refusing items listed
 * in `poison`; `mostRunning()` is the most batches it had running at once.
 */
function recordingRunner(poison: number[] = [], delayMs = 5) {
  const batches: number[][] = [];
  let running = 0;
  let most = 0;
  const run = async (items: number[]) => {
    batches.push(items);
    most = Math.max(most, ++running);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (items.some((i) => poison.includes(i))) throw Object.assign(new Error('row refused'), { code: '22P05' });
      return items.map((i) => i * 10);
    } finally {
      running--;
    }
  };
  return { batches, run, mostRunning: () => most };
}

describe(GroupCommit.name, () => {
  it('gives each caller its own result, in a batch with the callers that came together', async () => {
    const { batches, run } = recordingRunner();
    const commit = new GroupCommit(run, { name: 'test', maxBatch: 100, inFlight: 1 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => commit.submit(i)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('grows the batches while the running ones take their time, never past maxBatch or inFlight', async () => {
    const { batches, run, mostRunning } = recordingRunner([], 20);
    const commit = new GroupCommit(run, { name: 'test', maxBatch: 8, inFlight: 2 });
    const first = Promise.all([1, 2].map((i) => commit.submit(i)));
    await new Promise((resolve) => setImmediate(resolve));
    // arrive while the first batch is being written
    const rest = Promise.all(Array.from({ length: 30 }, (_, i) => commit.submit(100 + i)));
    expect(await first).toEqual([10, 20]);
    expect(await rest).toEqual(Array.from({ length: 30 }, (_, i) => (100 + i) * 10));
    expect(Math.max(...batches.map((b) => b.length))).toBe(8);
    expect(mostRunning()).toBe(2);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([1, 2, ...Array.from({ length: 30 }, (_, i) => 100 + i)]);
  });

  it('lets one refused item fail alone: the rest of its batch is written one by one', async () => {
    const { batches, run } = recordingRunner([3]);
    const commit = new GroupCommit(run, { name: 'test', maxBatch: 100, inFlight: 1 });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((i) => commit.submit(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason.message).toBe('row refused');
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('writes a failed batch again item by item no more than inFlight at a time', async () => {
    const { batches, run, mostRunning } = recordingRunner([7], 5);
    const commit = new GroupCommit(run, { name: 'test', maxBatch: 20, inFlight: 3 });
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => commit.submit(i)));
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(batches.filter((b) => b.length === 1)).toHaveLength(20);
    expect(mostRunning()).toBe(3);
  });

  it('stops writing a failed batch item by item once the database is found away: the rest fail at once', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit(
      async (items: number[]) => {
        batches.push(items);
        if (items.length > 1) throw Object.assign(new Error('row refused'), { code: '22P05' });
        throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      },
      { name: 'test', maxBatch: 10, inFlight: 1 },
      (error) => (error as { code?: string }).code === '57P01',
    );
    const settled = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => commit.submit(i)));
    expect(settled.map((s) => (s as PromiseRejectedResult).reason?.code)).toEqual(['57P01', '57P01', '57P01', '57P01', '57P01']);
    expect(batches).toEqual([[1, 2, 3, 4, 5], [1]]);
  });

  it('fails the whole batch at once when the database is away, without retrying item by item', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit(
      async (items: number[]): Promise<number[]> => {
        batches.push(items);
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
      { name: 'test', maxBatch: 100, inFlight: 1 },
      (error) => (error as { code?: string }).code === 'ECONNREFUSED',
    );
    const settled = await Promise.allSettled([1, 2, 3].map((i) => commit.submit(i)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('refuses a runner that answers the wrong number of results', async () => {
    const commit = new GroupCommit(async () => [1], { name: 'test', maxBatch: 100, inFlight: 1 });
    await expect(commit.submit(1).then(() => commit.submit(2))).resolves.toBe(1);
    const settled = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
    // the pair fails as a batch, then each alone gets its one answer
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
  });

  it('says when everything submitted has been written', async () => {
    const { run } = recordingRunner([], 30);
    const commit = new GroupCommit(run, { name: 'test', maxBatch: 2, inFlight: 1 });
    const written: number[] = [];
    for (const i of [1, 2, 3, 4, 5]) void commit.submit(i).then(() => written.push(i));
    expect(commit.pending).toBe(5);
    await new Promise((resolve) => setImmediate(resolve));
    await commit.drained();
    expect(commit.pending).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('drains every group commit of the process at shutdown, even one a drained batch fed', async () => {
    const later = new GroupCommit(recordingRunner([], 20).run, { name: 'later', maxBatch: 10, inFlight: 1 });
    const fed: number[] = [];
    const first = new GroupCommit(
      async (items: number[]) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        // Writing this batch hands work to another group commit, as a judge batch starts its adds.
        for (const i of items) void later.submit(i).then((v) => fed.push(v));
        return items;
      },
      { name: 'first', maxBatch: 10, inFlight: 1 },
    );
    void first.submit(1);
    void first.submit(2);
    await drainGroupCommits();
    expect(first.pending + later.pending).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fed.sort()).toEqual([10, 20]);
  });

  it('leaves the totals and the shutdown drain once closed, as its application shuts down', async () => {
    const { run } = recordingRunner();
    const commit = new GroupCommit(run, { name: 'closing', maxBatch: 10, inFlight: 1 });
    await Promise.all([commit.submit(1), commit.submit(2)]);
    expect(groupCommitTotals().closing).toEqual({ batches: 1, items: 2, retried: 0 });
    commit.close();
    expect(groupCommitTotals().closing).toBeUndefined();
    // Still usable (a late caller is answered), but no longer the process's to drain.
    const late = commit.submit(3);
    await drainGroupCommits();
    expect(commit.pending).toBe(1);
    expect(await late).toBe(30);
  });
});
