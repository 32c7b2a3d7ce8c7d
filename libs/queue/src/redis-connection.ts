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
 * What BullMQ and our own clients connect with: plain options for one Redis, or (with
 * REDIS_CLUSTER_NODES) a Cluster client, which BullMQ shares between queues and duplicates
 * for each worker's blocking connection. Credentials and TLS come from REDIS_URL either way.
 */
export function redisConnection(config: AppConfig, options: RedisOptions): RedisOptions | Cluster {
  const fromUrl = redisOptionsFromUrl(config.redisUrl);
  if (!config.redisClusterNodes.length) return { ...fromUrl, ...options, Connector: CoalescingConnector };
  const { host: _host, port: _port, db: _db, ...auth } = fromUrl;
  const cluster = new IORedis.Cluster(config.redisClusterNodes, {
    redisOptions: { ...auth, ...options, Connector: CoalescingConnector },
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
