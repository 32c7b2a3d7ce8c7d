import { hostname } from 'node:os';

/** A worker not heard from for three heartbeats has lost Redis (or died) and not come back. */
export function staleAfterMs(heartbeatMs: number): number {
  return 3 * heartbeatMs;
}
/** Entries older than this are forgotten: the process is gone for good. */
export const FORGET_AFTER_MS = 10 * 60_000;

export interface WorkerBeat {
  /** host:pid */
  id: string;
  queues: string[];
  /** epoch ms of the last heartbeat */
  at: number;
}

export function workerId(): string {
  return `${hostname()}:${process.pid}`;
}

/** The hash every worker process writes its heartbeat to. */
export function presenceKey(prefix: string): string {
  return `${prefix}:workers:presence`;
}
