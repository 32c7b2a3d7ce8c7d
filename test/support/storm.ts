import { canTransition } from '@returns/case';
import { CaseStatus, ReturnType } from '@returns/contracts';
import { TestService } from './service';

/**
 * What the storm specs share: a seeded random source, so a failing storm can be run again as
 * it was (`STORM_SEED=<seed>`; the seed is in the test's name), and a way to send many actions
 * from a few lanes at once.
 */

/** The seed of this run: STORM_SEED, else one from the clock. */
export function stormSeed(): number {
  return Number(process.env.STORM_SEED ?? Date.now() % 1_000_000);
}

/** A small seeded generator (mulberry32) of numbers in [0, 1). */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
