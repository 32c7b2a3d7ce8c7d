import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JobRecovery, RedisClient } from '@returns/queue';
import { AllStagesOwedWork } from '@returns/recovery';
import { RedisRestartWatch } from '../apps/worker/src/redis-restart-watch';
import { driveToRefunded } from './support/flows';
import { TestService } from './support/service';
import { ownDatabase } from './support/own-database';
import { eventually } from './support/eventually';

/** Three cluster nodes on spare loopback ports, made by this test and removed after it. */
class LocalCluster {
  private readonly nodes: ChildProcess[] = [];
  readonly ports: number[];
  private readonly dir = mkdtempSync(join(tmpdir(), 'returns-cluster-'));

  constructor(base = 17_000 + Math.floor(Math.random() * 2_000)) {
    this.ports = [base, base + 1, base + 2];
  }

  async start(): Promise<void> {
    for (const port of this.ports) {
      const dir = join(this.dir, String(port));
      execFileSync('mkdir', ['-p', dir]);
      this.nodes.push(
        spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
      );
    }
    await eventually('the local Redis Cluster nodes answer', () => this.ports.every((port) => this.cli(port, 'ping') === 'PONG'), { timeoutMs: 15_000, everyMs: 100 });
    execFileSync('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    await eventually('the local Redis Cluster is up', () => this.ports.every((port) => this.cli(port, 'cluster', 'info').includes('cluster_state:ok')), { timeoutMs: 15_000, everyMs: 100 });
  }

  nodeList(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  keysOn(port: number): number {
    return Number(this.cli(port, 'dbsize'));
  }

  stop(): void {
    for (const node of this.nodes) node.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private cli(port: number, ...args: string[]): string {
    try {
      return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  }
}

describe('on a Redis Cluster', () => {
  const cluster = new LocalCluster();
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;

  beforeAll(async () => {
    await cluster.start();
    // A database of its own: the recovery checked at the end counts every case changed lately.
    database = await ownDatabase('redis_cluster');
    service = await TestService.start({
      withWorkers: false,
      env: { REDIS_CLUSTER_NODES: cluster.nodeList(), QUEUE_PREFIX: `{returns-${randomBytes(3).toString('hex')}}`, DATABASE_URL: database.url },
    });
    await service.spawnWorker();
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    cluster.stop();
    await database?.drop();
  });

  it('carries a return from the request to the refund, every key in the prefix hash-tag slot', async () => {
    const done = await driveToRefunded(service, { returnMethod: 'PICKUP' });
    expect(done.refund).toMatchObject({ status: 'SUCCEEDED' });
    expect(done.timeline.at(-1).to).toBe('REFUNDED');
    // All of the service's keys live on the one node owning the prefix's slot.
    const holding = cluster.ports.filter((port) => cluster.keysOn(port) > 0);
    expect(holding).toHaveLength(1);
  }, 60_000);

  it('watches the cluster for restarts: the worker process marked it, and looks see the same masters', async () => {
    const client = service.get(RedisClient);
    // The worker process's watch has looked (its marker is in the prefix's slot, with the rest).
    expect(await client.redis.exists(client.key('recovery-marker'))).toBe(1);
    const watch = new RedisRestartWatch(client, service.db, service.get(JobRecovery), service.get(AllStagesOwedWork));
    for (let i = 0; i < 3; i++) expect(await watch.check()).toBeNull();
    // A flush (the marker gone) is seen, and recovered from: nothing was owed here but told
    // messages and the refunded case's completion timer, which is still there.
    await client.redis.del(client.key('recovery-marker'));
    expect(await watch.check()).toMatchObject({ owed: 1, present: 1, requeued: 0 });
  });
});
