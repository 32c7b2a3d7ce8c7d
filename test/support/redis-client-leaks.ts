import IORedis, { Cluster } from 'ioredis';
import { leftOpen, RedisClientState } from './redis-client-state';

/**
 * Run in each test file's sandbox (`setupFilesAfterEnv`): notes every ioredis client the file
 * (its code, the service's, BullMQ's) connects, and a few seconds after the file's last hook
 * names on stderr each one still reconnecting, with where it was made. A client left so keeps
 * a reconnect timer alive for good once its Redis or relay is gone, and Jest with it; the
 * global teardown's guard only sees "a Timeout" by then, not whose.
 */
const GRACE_MS = 4_000;

type Watched = RedisClientState & { options?: { host?: string; port?: number } };
const clients = new Map<Watched, Error>();

for (const proto of [IORedis.prototype, Cluster.prototype] as unknown as { connect(...args: unknown[]): unknown }[]) {
  const connect = proto.connect;
  proto.connect = function (this: Watched, ...args: unknown[]) {
    if (!clients.has(this)) clients.set(this, new Error('made here'));
    return connect.apply(this, args);
  };
}


const file = expect.getState().testPath ?? 'a test file';

afterAll(() => {
  setTimeout(() => {
    const lines: string[] = [];
    for (const [client, madeAt] of clients) {
      if (!leftOpen(client)) continue;
      const where = (madeAt.stack ?? '')
        .split('\n')
        .slice(1)
        .map((frame) => frame.trim())
        .filter((frame) => !frame.includes('/ioredis/') && !frame.includes('redis-client-leaks'))
        .slice(0, 6)
        .join(' <- ');
      lines.push(`  ${client instanceof Cluster ? 'a cluster client' : 'a client'} to ${client.options?.host}:${client.options?.port}, ${client.status}; made at ${where}\n`);
    }
    clients.clear();
    if (lines.length) process.stderr.write(`\n${file} left ${lines.length} Redis client(s) open ${GRACE_MS / 1000} s after its last hook:\n${lines.join('')}`);
  }, GRACE_MS).unref();
});
