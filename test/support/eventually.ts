/**
 * Asks `probe` every `everyMs` until it answers something other than `undefined`, `null` or
 * `false`, and resolves with that answer; rejects naming `what` after `timeoutMs` (a
 * function is asked then, so the message can tell what the probe saw last). A probe that
 * throws ends the wait with its error (a state the test knows to be wrong for good).
 */
export async function eventually<T>(
  what: string | (() => string),
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 10_000, everyMs = 50 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    const answer = await probe();
    if (answer !== undefined && answer !== null && answer !== false) return answer;
    if (Date.now() >= deadline) throw new Error(`${typeof what === 'function' ? what() : what} (waited ${timeoutMs} ms)`);
  }
}
