import { canTransition } from '@returns/case';
import { CaseStatus, ReturnType } from '@returns/contracts';
import { randomFrom } from './seeded-random';
import { TestService } from './service';

/**
 * What the storm specs share: a seeded random source, so a failing storm can be run again as
 * it was (`STORM_SEED=<seed>`; the seed is in the test's name), and a way to send many actions
 * from a few lanes at once.
 */

/**
 * A storm spec's service (with a worker in the test's process and one in a process of its own,
 * started before its tests and closed after) and its random source, seeded by STORM_SEED or
 * else the clock. `service` is there once the spec's tests run.
 */
export function stormOf(env: Record<string, string> = {}) {
  const seed = Number(process.env.STORM_SEED ?? Date.now() % 1_000_000);
  const random = randomFrom(seed);
  const storm = {
    seed,
    random,
    pick: <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)],
    service: undefined as unknown as TestService,
  };
  beforeAll(async () => {
    storm.service = await TestService.start({ withWorkers: true, env });
    await storm.service.spawnWorker();
  });
  afterAll(() => storm.service.close());
  return storm;
}

/** `items` in a random order (Fisher-Yates), in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Runs `send` on every item in order from `lanes` lanes at once; the answers in the order they came. */
export async function inLanes<T, A>(items: T[], lanes: number, send: (item: T) => Promise<A>): Promise<{ item: T; answer: A }[]> {
  const answers: { item: T; answer: A }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = next++; i < items.length; i = next++) answers.push({ item: items[i], answer: await send(items[i]) });
    }),
  );
  return answers;
}

/**
 * A case's timeline from the database (`from>to` steps) and whether it is a chain of moves the
 * state machine allows, each from where the last left the case, ending at its status.
 */
export async function timelineOf(
  service: TestService,
  caseId: string,
): Promise<{ status: CaseStatus; steps: string[]; reached: Set<CaseStatus>; legal: boolean; rows: { from_status: CaseStatus | null; to_status: CaseStatus; actor: string }[] }> {
  const [{ status, type }]: { status: CaseStatus; type: ReturnType }[] = await service.db.query('SELECT status, type FROM return_cases WHERE id = $1', [caseId]);
  const rows: { from_status: CaseStatus | null; to_status: CaseStatus; actor: string }[] = await service.db.query(
    'SELECT from_status, to_status, actor FROM case_timeline WHERE case_id = $1 ORDER BY id',
    [caseId],
  );
  let at: CaseStatus | null = null;
  let legal = true;
  for (const row of rows) {
    if (row.from_status !== at || (row.from_status && !canTransition(row.from_status, row.to_status, type))) legal = false;
    at = row.to_status;
  }
  return { status, steps: rows.map((r) => `${r.from_status ?? '-'}>${r.to_status}`), reached: new Set(rows.map((r) => r.to_status)), legal: legal && at === status, rows };
}

/**
 * Carrier scans as the database holds them for `caseIds`: how many were stored and how many
 * of those wait to be applied, against how many distinct scans (parcel, status, moment) were
 * sent, however often each was: a storm expects every one stored once and none waiting.
 */
export async function scansKept(
  service: TestService,
  caseIds: string[],
  sent: { trackingNumber: string; status: string; occurredAt: string }[],
): Promise<{ sent: number; stored: number; unapplied: number }> {
  const [{ stored, unapplied }] = await service.db.query(
    'SELECT count(*)::int AS stored, count(*) FILTER (WHERE applied_at IS NULL)::int AS unapplied FROM tracking_events WHERE case_id = ANY($1::uuid[])',
    [caseIds],
  );
  return { sent: new Set(sent.map((s) => `${s.trackingNumber}/${s.status}/${s.occurredAt}`)).size, stored, unapplied };
}
