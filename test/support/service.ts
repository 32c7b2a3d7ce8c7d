import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, loadConfig } from '@returns/config';
import { CaseStatus, QueueName, Role } from '@returns/contracts';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { eventually } from './eventually';

export interface StartOptions {
  /** run every worker in the test process, like `npm start` */
  withWorkers: boolean;
  /** extra environment, e.g. { REVIEW_DEADLINE: '2s' } */
  env?: Record<string, string>;
}

/** The service under test: the real API (and workers) on the run's database and its own Redis prefix. */
export class TestService {
  private readonly children: ChildProcess[] = [];
  /** What each spawned worker printed so far (`outputOf`). */
  private readonly outputs = new Map<ChildProcess, string>();

  private constructor(
    readonly app: INestApplication,
    readonly config: AppConfig,
    readonly env: Record<string, string>,
  ) {}

  static async start(options: StartOptions): Promise<TestService> {
    const env: Record<string, string> = {
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-${randomBytes(3).toString('hex')}`,
      SIMULATOR_LATENCY: '2ms',
      OUTBOX_SWEEP_INTERVAL: '1s',
      ...options.env,
    };
    const config = loadConfig({ ...process.env, ...env });
    const moduleRef = await Test.createTestingModule({ imports: [ApiModule.register({ withWorkers: options.withWorkers })] })
      .overrideProvider(APP_CONFIG)
      .useValue(config)
      .compile();
    const app = moduleRef.createNestApplication({ rawBody: true, logger: process.env.TEST_LOGS ? undefined : ['error'] });
    configureApp(app);
    await app.init();
    return new TestService(app, config, env);
  }

  /** An HTTP client speaking as the development key of `role`. */
  as(role: Role) {
    const server = this.app.getHttpServer();
    const auth = { Authorization: `Bearer dev-${role}` };
    return {
      get: (url: string) => request(server).get(url).set(auth),
      post: (url: string, body?: object, headers: Record<string, string> = {}) => request(server).post(url).set(auth).set(headers).send(body),
      put: (url: string, body?: object) => request(server).put(url).set(auth).send(body),
    };
  }

  http() {
    return request(this.app.getHttpServer());
  }

  get<T>(token: string | symbol | (new (...args: never[]) => T)): T {
    return this.app.get(token as never, { strict: false });
  }

  get db(): DataSource {
    return this.app.get(DataSource);
  }

  queue(name: QueueName): Queue {
    return this.app.get<Queue>(getQueueToken(name), { strict: false });
  }

  /** Polls the case until its status is one of `statuses`; fails with the last view after `timeoutMs`. */
  async waitForStatus(caseId: string, statuses: CaseStatus | CaseStatus[], timeoutMs = 20_000): Promise<Record<string, any>> {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    let last: Record<string, any> = {};
    return eventually(
      () => `case ${caseId} did not reach ${wanted.join('|')}; last: ${JSON.stringify(last).slice(0, 2000)}`,
      async () => {
        const response = await this.as('admin').get(`/v1/returns/${caseId}`);
        last = response.body;
        return response.status === 200 && wanted.includes(last.status) && last;
      },
      { timeoutMs },
    );
  }

  /** Waits until no queue of this service has waiting, active or prioritized jobs (delayed timers aside). */
  async drain(timeoutMs = 20_000): Promise<void> {
    await eventually(
      'the queues drained',
      async () => {
        let busy = 0;
        for (const name of Object.values(QueueName)) {
          const counts = await this.queue(name).getJobCounts('waiting', 'active', 'prioritized', 'paused');
          busy += counts.waiting + counts.active + counts.prioritized + counts.paused;
        }
        const [{ pending }] = await this.db.query('SELECT count(*)::int AS pending FROM outbox');
        return busy === 0 && pending === 0;
      },
      { timeoutMs },
    );
  }

  /**
   * Starts `npm run start:worker`'s entry (compiled) as a child process on this service's
   * database and prefix; resolves once it serves its queues.
   */
  async spawnWorker(env: Record<string, string> = {}): Promise<ChildProcess> {
    const entry = join(__dirname, '../../dist/apps/worker/src/main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
    const child = spawn(process.execPath, [entry], { env: { ...process.env, ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start in 20 s:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        this.outputs.set(child, output);
        if (process.env.TEST_LOGS) process.stdout.write(chunk);
        if (output.includes('serving queues')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${code}:\n${output}`));
      });
    });
    return child;
  }

  /** What a worker `spawnWorker` started has printed so far: for a spec to show when it fails. */
  outputOf(child: ChildProcess): string {
    return this.outputs.get(child) ?? '';
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children
        .filter((child) => child.exitCode === null && child.signalCode === null)
        .map((child) => new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        })),
    );
    await this.app.close();
  }
}
