/** How long the process may outlive the last suite before what keeps it alive is named. */
const GRACE_MS = 10_000;

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
        [...handles.map(lineOf), ...requests.map((r) => `request ${lineOf(r)}`)].map((line) => `  ${line}\n`).join('') +
        `(process.getActiveResourcesInfo(): ${process.getActiveResourcesInfo().join(', ')}); ending it.\n`,
    );
    process.exit();
  }, GRACE_MS).unref();
}
