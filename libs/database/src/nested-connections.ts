import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A transaction that asks the pool for another connection before it commits (a query on the
 * DataSource or a service's own manager, not on the transaction's) holds one connection while
 * it waits for a second. With as many of them at once as the pool has connections, none gets
 * its second: every request and job of the process waits out the pool's connection timeout
 * (10 s) and fails with 503 DATABASE_UNAVAILABLE. Found so: 40 agents' claims at once of
 * returns still waiting to be judged froze the API for 10 s.
 *
 * `watchNestedConnections` makes such a query fail at once, wherever the tests reach one: the
 * work of every transaction (`dataSource.transaction`, which the outbox's goes through too)
 * runs in an async context that the pool, asked for a connection, looks at. Only the tests
 * run with it: Node 20's AsyncLocalStorage puts a hook on every promise (bench, end to end,
 * alternating: the worker's CPU per return 0.80 / 0.77 / 0.75 ms with it, 0.75 / 0.72 / 0.90
 * without; not worth paying for in production, nor worth measuring closer).
 *
 * Work under a session advisory lock (`withSessionLock`) holds its lock's connection and
 * queries on others by design: one sweep per process at a time, never a pool's worth.
 */
const insideTransaction = new AsyncLocalStorage<true>();

export class NestedConnectionError extends Error {
  constructor() {
    super("a transaction asked the pool for a second connection: run its queries on the transaction's own manager (tx.manager)");
    this.name = 'NestedConnectionError';
  }
}

type Work = (transactional: EntityManager) => Promise<unknown>;
type Connect = (callback?: (error: Error | undefined, client?: PoolClient, release?: (error?: Error) => void) => void) => Promise<PoolClient> | void;

/** From now on, a connection asked of `dataSource`'s pool inside one of its transactions fails with `NestedConnectionError`. */
export function watchNestedConnections(dataSource: DataSource): void {
  const manager = dataSource.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  // transaction(work) or transaction(isolationLevel, work); DataSource.transaction passes its
  // two arguments on as they came, the second undefined when it was given the work alone.
  manager.transaction = ((isolationOrWork: unknown, maybeWork?: Work) => {
    const work = (maybeWork ?? isolationOrWork) as Work;
    const watched: Work = (transactional) => insideTransaction.run(true, () => work(transactional));
    return maybeWork ? transaction(isolationOrWork, watched) : transaction(watched);
  }) as EntityManager['transaction'];

  const pool = (dataSource.driver as unknown as { master: Pool & { connect: Connect } }).master;
  const connect: Connect = pool.connect.bind(pool);
  pool.connect = ((callback) => {
    if (!insideTransaction.getStore()) return connect(callback);
    const error = new NestedConnectionError();
    if (callback) return void process.nextTick(() => callback(error));
    return Promise.reject(error);
  }) as Connect as Pool['connect'];
}
