import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { Logger } from '@nestjs/common';

/** Hosts that put the PostgreSQL server on this machine. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '']);

/** Whether a `DATABASE_URL` names a server on this machine (loopback, or a Unix socket). */
export function isLocalDatabase(url: string): boolean {
  const parsed = new URL(url);
  const socketDir = parsed.searchParams.get('host');
  return LOCAL_HOSTS.has(parsed.hostname) || (socketDir !== null && socketDir.startsWith('/'));
}

/** What the pool hands `onConnect`: node-postgres reads the backend's PID at start-up. */
interface ConnectedClient {
  processID: number | null;
}

/**
 * A worker that runs niced (`WORKER_NICE`) leaves the CPU to the API, but on a machine that
 * also runs PostgreSQL the statements it sends are executed by backend processes at the
 * normal priority, and the API's own statements queue behind them. This hook gives each
 * backend that serves this process the process's own niceness, so a worker's database work
 * yields too. It acts only when the server is on this machine and the process runs niced;
 * it checks that the PID is a PostgreSQL process (a server in another PID namespace has PIDs
 * that mean something else here), and after the first refusal (no right to renice another
 * user's process) it says so once and stops trying.
 * @returns the pool's `onConnect` hook, or undefined when there is nothing to do
 */
export function backendNiceness(url: string, nice = getPriority()): ((client: ConnectedClient) => void) | undefined {
  if (nice <= 0 || !isLocalDatabase(url)) return undefined;
  let refused = false;
  return (client) => {
    const pid = client.processID;
    if (refused || !pid) return;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('postgres')) return;
      setPriority(pid, nice);
    } catch (error) {
      refused = true;
      new Logger('Database').warn(`cannot give PostgreSQL backend ${pid} this process's niceness ${nice}: ${(error as Error).message}; its statements run at normal priority`);
    }
  };
}
