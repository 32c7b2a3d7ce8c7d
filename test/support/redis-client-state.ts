/** What of an ioredis client tells whether it was closed (fields ioredis keeps, not in its types). */
export type RedisClientState = { status: string; manuallyClosing?: boolean; reconnectTimeout?: unknown };

/**
 * Not closed by whoever made it: never asked to quit, or a reconnect still pending. A client
 * disconnected between two attempts keeps the status `reconnecting`, with nothing pending.
 */
export function leftOpen(client: RedisClientState): boolean {
  return client.status !== 'end' && (!client.manuallyClosing || Boolean(client.reconnectTimeout));
}
