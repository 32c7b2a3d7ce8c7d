'use strict';
/**
 * Reads the service's BullMQ queues straight from Redis, without BullMQ: the counts are
 * plain keys under `<prefix>:<queue>:` (wait and active are lists; prioritized, delayed,
 * failed and completed are sorted sets, completed scored by the time each job finished).
 *
 * Completions are counted as "finished after the newest completion seen last time", which
 * stays right however many completed jobs the retention keeps, and needs no clock agreement
 * between this machine and the workers.
 */
const STAGE_QUEUES = ['intake', 'logistics', 'refund', 'notification'];
const ALL_QUEUES = ['intake', 'logistics', 'inspection', 'refund', 'notification', 'webhooks', 'timers'];
/** How far behind the newest completion the counting boundary stays while jobs keep finishing. */
const STRAGGLER_MS = 250;

class RedisQueueReader {
  constructor({ redisUrl, prefix, queues = ALL_QUEUES }) {
    this.redisUrl = redisUrl;
    this.prefix = prefix;
    this.queues = queues;
    this.lastFinished = new Map();
    this.newestSeen = new Map();
    this.source = `redis ${redactUrl(redisUrl)} prefix "${prefix}"`;
  }

  async connect() {
    const IORedis = require('ioredis');
    this.redis = new IORedis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000, retryStrategy: (n) => Math.min(n * 200, 2_000) });
    this.redis.on('error', () => {}); // a failed sample says so; no unhandled error events
    await this.redis.connect();
    // Only completions from now on count.
    for (const q of this.queues) {
      const newest = await this.redis.zrevrange(this.key(q, 'completed'), 0, 0, 'WITHSCORES');
      this.lastFinished.set(q, newest.length ? Number(newest[1]) : 0);
      this.newestSeen.set(q, this.lastFinished.get(q));
    }
    const known = await this.redis.exists(...this.queues.map((q) => this.key(q, 'meta')), ...this.queues.map((q) => this.key(q, 'id')));
    return { queuesFound: known > 0 };
  }

  key(queue, suffix) {
    return `${this.prefix}:${queue}:${suffix}`;
  }

  /**
   * One reading of every queue.
   * @returns {Promise<Record<string, { waiting, prioritized, active, delayed, paused, failed, completed }>>}
   *   `completed`: jobs finished since the previous reading
   */
  async sample() {
    const multi = this.redis.multi();
    for (const q of this.queues) {
      multi.llen(this.key(q, 'wait'));
      multi.zcard(this.key(q, 'prioritized'));
      multi.llen(this.key(q, 'active'));
      multi.zcard(this.key(q, 'delayed'));
      multi.llen(this.key(q, 'paused'));
      multi.zcard(this.key(q, 'failed'));
      multi.zrevrange(this.key(q, 'completed'), 0, 0, 'WITHSCORES');
    }
    const replies = await multi.exec();
    const counts = {};
    const newest = new Map();
    this.queues.forEach((q, i) => {
      const r = replies.slice(i * 7, i * 7 + 7).map(([error, value]) => {
        if (error) throw error;
        return value;
      });
      counts[q] = { waiting: r[0], prioritized: r[1], active: r[2], delayed: r[3], paused: r[4], failed: r[5], completed: 0 };
      newest.set(q, r[6].length ? Number(r[6][1]) : this.lastFinished.get(q));
    });
    // Finished in (boundary last time, boundary now]: bounded on both sides, so nothing counts
    // twice. The boundary stays STRAGGLER_MS behind the newest completion while completions
    // keep coming, since a job stamped a moment earlier can land in the set a moment later.
    const until = new Map();
    for (const q of this.queues) {
      const last = newest.get(q);
      const moving = last !== this.newestSeen.get(q);
      this.newestSeen.set(q, last);
      until.set(q, moving ? Math.max(this.lastFinished.get(q), last - STRAGGLER_MS) : last);
    }
    const asked = this.queues.filter((q) => until.get(q) > this.lastFinished.get(q));
    if (asked.length) {
      const between = this.redis.multi();
      for (const q of asked) between.zcount(this.key(q, 'completed'), `(${this.lastFinished.get(q)}`, String(until.get(q)));
      const done = await between.exec();
      asked.forEach((q, i) => {
        counts[q].completed = Number(done[i][1]) || 0;
        this.lastFinished.set(q, until.get(q));
      });
    }
    return counts;
  }

  /**
   * BullMQ names each worker's Redis connection `<prefix>:<base64(queue)>` (or with `:w:<name>`):
   * the number of such connections is the number of worker processes serving the queue.
   */
  async workers() {
    const list = await this.redis.client('LIST');
    const names = String(list)
      .split('\n')
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1])
      .filter(Boolean);
    const out = {};
    for (const q of this.queues) {
      const base = `${this.prefix}:${Buffer.from(q).toString('base64')}`;
      out[q] = names.filter((n) => n === base || n.startsWith(`${base}:w:`)).length;
    }
    return out;
  }

  async close() {
    if (this.redis) this.redis.disconnect();
  }
}

/**
 * The same readings from the service's admin API (`GET /v1/admin/queues`), where Redis is
 * not reachable from here. Completions come from its cumulative `completed` counts.
 */
class ApiQueueReader {
  constructor({ client, token }) {
    this.client = client;
    this.token = token;
    this.lastCompleted = new Map();
    this.source = 'GET /v1/admin/queues';
  }

  async connect() {
    const first = await this.read();
    for (const [q, c] of Object.entries(first)) this.lastCompleted.set(q, c.completedTotal);
    return { queuesFound: Object.keys(first).length > 0 };
  }

  async read() {
    const res = await this.client.request('GET', 'v1/admin/queues', { token: this.token });
    if (res.status !== 200 || !res.json) throw new Error(`GET /v1/admin/queues answered ${res.status || res.error?.code}`);
    const items = Array.isArray(res.json) ? res.json : res.json.items ?? res.json.queues ?? [];
    const out = {};
    for (const item of items) {
      out[item.name] = {
        waiting: Number(item.waiting ?? 0),
        prioritized: Number(item.prioritized ?? 0),
        active: Number(item.active ?? 0),
        delayed: Number(item.delayed ?? 0),
        paused: Number(typeof item.paused === 'number' ? item.paused : 0),
        failed: Number(item.failed ?? 0),
        completedTotal: Number(item.completed ?? 0),
        workers: item.workers,
      };
    }
    return out;
  }

  async sample() {
    const read = await this.read();
    const counts = {};
    for (const [q, c] of Object.entries(read)) {
      const before = this.lastCompleted.get(q) ?? c.completedTotal;
      this.lastCompleted.set(q, c.completedTotal);
      const { completedTotal, workers, ...rest } = c;
      counts[q] = { ...rest, completed: Math.max(0, completedTotal - before) };
    }
    return counts;
  }

  async workers() {
    const read = await this.read();
    const out = {};
    for (const [q, c] of Object.entries(read)) out[q] = typeof c.workers === 'number' ? c.workers : Array.isArray(c.workers) ? c.workers.length : 0;
    return out;
  }

  async close() {}
}

/** Jobs not yet done: waiting (plain or prioritized or paused), being worked on, or waiting to retry. */
function backlogOf(c, queue) {
  if (!c) return 0;
  // A timer's delayed jobs are deadlines days away, not work waiting.
  const delayed = queue === 'timers' ? 0 : c.delayed;
  return c.waiting + c.prioritized + c.paused + c.active + delayed;
}

function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

module.exports = { RedisQueueReader, ApiQueueReader, backlogOf, redactUrl, STAGE_QUEUES, ALL_QUEUES };
