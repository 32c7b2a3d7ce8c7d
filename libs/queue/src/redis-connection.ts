import IORedis, { Cluster, RedisOptions, StandaloneConnectionOptions } from 'ioredis';
import StandaloneConnector from 'ioredis/built/connectors/StandaloneConnector';
import type { Socket } from 'node:net';
import { AppConfig } from '@returns/config';

/**
 * ioredis writes each command to its socket as it is issued: a system call each. A worker
 * finishing a batch of 50 jobs issues 50 `moveToFinished` scripts in one tick, and on this
 * kind of machine a loopback write costs more than the script. Corking the socket for the
 * rest of the tick sends them in one `writev`: the same bytes in the same order, so ioredis
 * and BullMQ see no difference (unlike ioredis' auto-pipelining, which regroups commands).
 */
export class CoalescingConnector extends StandaloneConnector {
  constructor(options: unknown) {
    super(options as StandaloneConnectionOptions);
  }

  connect(errorEmitter: Parameters<StandaloneConnector['connect']>[0]): ReturnType<StandaloneConnector['connect']> {
    return super.connect(errorEmitter).then((stream) => {
      coalesceWrites(stream as Socket);
      return stream;
    });
  }
}

function coalesceWrites(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write.apply(this, args);
  } as Socket['write'];
}

/** ioredis options from a `redis://[user:pass@]host:port[/db]` (or `rediss://`) URL. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  if (!/^rediss?:$/.test(parsed.protocol)) throw new Error(`REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname && parsed.pathname !== '/' ? Number(parsed.pathname.slice(1)) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

const clusters = new Set<Cluster>();

/**
 * Milliseconds before the `attempt`th reconnection: 100, 200, 400, 800, 1600, then every
 * 2 s for as long as Redis is away. BullMQ's own default waits up to 20 s between attempts
 * (e^attempt ms, at least 1 s), so after an outage of a minute workers stood idle up to 20 s
 * more and the admin's queue views answered 503 as long; a connection attempt every 2 s
 * per client costs Redis nothing.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(attempt - 1, 0), 2_000);
}

/**
 * What BullMQ and our own clients connect with: plain options for one Redis, or (with
 * REDIS_CLUSTER_NODES) a Cluster client, which BullMQ shares between queues and duplicates
 * for each worker's blocking connection. Credentials and TLS come from REDIS_URL either way.
 */
export function redisConnection(config: AppConfig, options: RedisOptions): RedisOptions | Cluster {
  const fromUrl = redisOptionsFromUrl(config.redisUrl);
  if (!config.redisClusterNodes.length) return { ...fromUrl, retryStrategy: reconnectDelay, ...options, Connector: CoalescingConnector };
  const { host: _host, port: _port, db: _db, ...auth } = fromUrl;
  const cluster = new IORedis.Cluster(config.redisClusterNodes, {
    redisOptions: { ...auth, retryStrategy: reconnectDelay, ...options, Connector: CoalescingConnector },
    // Blocking BullMQ commands must not be retried on another node by ioredis itself.
    maxRedirections: 16,
  });
  cluster.on('error', () => undefined); // reported per command
  clusters.add(cluster);
  return cluster;
}

/** A plain client (health, simulators), on one Redis or the cluster. */
export function redisClient(config: AppConfig, options: RedisOptions): IORedis | Cluster {
  const connection = redisConnection(config, options);
  return connection instanceof Cluster ? connection : new IORedis(connection);
}

/** Closes the cluster clients made here: BullMQ leaves shared connections to their owner. */
export async function closeClusterConnections(): Promise<void> {
  await Promise.all([...clusters].map((c) => c.quit().catch(() => c.disconnect())));
  clusters.clear();
}

/**
 * Redis did not answer a command: the client gave up retrying it (`maxRetriesPerRequest`),
 * timed it out, or had no connection to write it to. Not the caller's fault: asked again
 * once Redis is back, the same request succeeds.
 */
export function redisUnavailable(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  return typeof message === 'string' && /^(Connection is closed\.|Command timed out|Stream isn't writeable)/.test(message);
}
