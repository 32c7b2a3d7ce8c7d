/** Socket errors of a connection the server or the network cut (a restart under load resets them). */
const SOCKET_LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * PostgreSQL is restarting, unreachable or out of connection slots: SQLSTATE classes 08 and
 * 57P, 53300, a connection cut or refused, a client the pool cannot connect in time, or one
 * whose connection already broke.
 */
export function databaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300' || SOCKET_LOST.has(code))) return true;
  return typeof message === 'string' && /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|not queryable/.test(message);
}

/**
 * PostgreSQL refused a text value it cannot store: the NUL character (`\u0000`, in text or
 * JSON), SQLSTATE 22P05 or 22021. The request's fault, not the server's.
 */
export function textRefused(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === '22P05' || code === '22021';
}
