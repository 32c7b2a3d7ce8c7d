import { promisify } from 'node:util';

/** How long the process may outlive the last suite before what keeps it alive is named. */
const GRACE_MS = 10_000;

/** A timer the suites set through the global functions: what it runs and where it was set. */
interface Tracked {
  kind: 'setTimeout' | 'setInterval';
  ms: unknown;
  callback: unknown;
  /** Its stack is captured when set and only formatted if the timer is ever reported. */
  setAt: Error;
}

/** Timers set and not yet fired (one-shot) or cleared; pruned of destroyed ones as it grows. */
const timers = new Map<NodeJS.Timeout, Tracked>();
const PRUNE_AT = 20_000;

/**
 * Records every timer set through the global `setTimeout` and `setInterval` from now on
 * (Jest's node environments take them from this process's globals, so the suites' timers
 * and their libraries' are among them), so that `nameWhatLingers` can say which ones keep
 * the process alive and where they were set: `process.getActiveResourcesInfo()` only says
 * "Timeout". Run in the global setup. Node's own internal timers (sockets' timeouts) are
 * not seen; they show as handles.
 */
export function trackTimers(): void {
  const g = globalThis as unknown as Record<'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval', (...args: unknown[]) => unknown>;
  const original = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
  const remember = (timer: NodeJS.Timeout, tracked: Tracked): NodeJS.Timeout => {
    if (timers.size >= PRUNE_AT) for (const t of timers.keys()) if ((t as unknown as { _destroyed?: boolean })._destroyed) timers.delete(t);
    timers.set(timer, tracked);
    return timer;
  };
  const wrapped: Record<string, (...args: unknown[]) => unknown> = {
    setTimeout(callback: unknown, ms?: unknown, ...args: unknown[]) {
      const setAt = new Error('set here');
      if (typeof callback !== 'function') return original.setTimeout(callback, ms, ...args);
      const timer = original.setTimeout(function (this: unknown, ...a: unknown[]) {
        timers.delete(timer);
        return (callback as (...x: unknown[]) => unknown).apply(this, a);
      }, ms, ...args) as NodeJS.Timeout;
      return remember(timer, { kind: 'setTimeout', ms, callback, setAt });
    },
    setInterval(callback: unknown, ms?: unknown, ...args: unknown[]) {
      const setAt = new Error('set here');
      return remember(original.setInterval(callback, ms, ...args) as NodeJS.Timeout, { kind: 'setInterval', ms, callback, setAt });
    },
    clearTimeout(timer: unknown) {
      timers.delete(timer as NodeJS.Timeout);
      return original.clearTimeout(timer);
    },
    clearInterval(timer: unknown) {
      timers.delete(timer as NodeJS.Timeout);
      return original.clearInterval(timer);
    },
  };
  // `promisify(setTimeout)` and `promisify(setImmediate)`-style callers rely on this property.
  const custom = (original.setTimeout as unknown as Record<symbol, unknown>)[promisify.custom];
  if (custom) Object.defineProperty(wrapped.setTimeout, promisify.custom, { value: custom });
  Object.assign(globalThis, wrapped);
}

/** The tracked timers that are still pending and keep the process alive, one line each with where they were set. */
function lingeringTimers(): string[] {
  const lines: string[] = [];
  for (const [timer, t] of timers) {
    if ((timer as unknown as { _destroyed?: boolean })._destroyed || !timer.hasRef()) continue;
    const where = (t.setAt.stack ?? '')
      .split('\n')
      .slice(1)
      .map((frame) => frame.trim())
      .filter((frame) => !frame.includes('lingering.ts'))
      .slice(0, 6)
      .join(' <- ');
    lines.push(`${t.kind} ${String(t.ms)} ms: ${String(t.callback).replace(/\s+/g, ' ').slice(0, 160)}\n      set at ${where}`);
  }
  return lines;
}

/** One line per handle still open: a socket by its ends, a child by its pid, a timer by its callback, else its type. */
function lineOf(handle: unknown): string {
  const h = handle as {
    constructor?: { name?: string };
    remoteAddress?: string;
    remotePort?: number;
    localPort?: number;
    pid?: number;
    spawnargs?: string[];
    _onTimeout?: (...args: unknown[]) => unknown;
    _idleTimeout?: number;
  };
  const type = h?.constructor?.name ?? typeof handle;
  if (h?.remotePort !== undefined) return `${type} to ${h.remoteAddress}:${h.remotePort} (from :${h.localPort})`;
  if (h?.pid !== undefined) return `${type} pid ${h.pid}: ${(h.spawnargs ?? []).join(' ').slice(0, 200)}`;
  // stdout and stderr are pipes to Jest's parent: Sockets with no remote end (and a prototype _onTimeout).
  if (type === 'Socket') return `${type}, a pipe (fd ${(h as { _handle?: { fd?: number } })._handle?.fd ?? '?'})`;
  if (h?._onTimeout) return `${type} every/after ${h._idleTimeout} ms: ${String(h._onTimeout).replace(/\s+/g, ' ').slice(0, 200)}`;
  return type;
}

/**
 * Run in the global teardown, in Jest's own process (the suites run in it too: --runInBand).
 * Should anything the suites opened keep the process alive past `GRACE_MS` (once in several
 * full runs something did, and Jest waited for good after every test had passed), names it on
 * stderr and ends the process, keeping Jest's exit code (a failed run stays failed). The
 * timer itself holds nothing open: in a clean run the process ends without it.
 */
export function nameWhatLingers(): void {
  setTimeout(() => {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const requests = (process as unknown as { _getActiveRequests(): unknown[] })._getActiveRequests();
    process.stderr.write(
      `\nThe test process outlived its last suite by ${GRACE_MS / 1000} s, held open by:\n` +
        [...handles.map(lineOf), ...requests.map((r) => `request ${lineOf(r)}`), ...lingeringTimers()].map((line) => `  ${line}\n`).join('') +
        `(process.getActiveResourcesInfo(): ${process.getActiveResourcesInfo().join(', ')}); ending it.\n`,
    );
    process.exit();
  }, GRACE_MS).unref();
}
