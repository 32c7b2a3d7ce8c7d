/** PostgreSQL is restarting or unreachable: SQLSTATE classes 08 and 57P, or no connection at all. */
export function databaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === 'ECONNREFUSED')) return true;
  return typeof message === 'string' && /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/.test(message);
}

/**
 * PostgreSQL refused a text value it cannot store: the NUL character (`\u0000`, in text or
 * JSON), SQLSTATE 22P05 or 22021. The request's fault, not the server's.
 */
export function textRefused(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === '22P05' || code === '22021';
}
