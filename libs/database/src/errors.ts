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
 * A statement gave up waiting for a lock another session held past `lock_timeout`
 * (DATABASE_LOCK_TIMEOUT): SQLSTATE 55P03. Nothing it did stays (its transaction is rolled
 * back); the same request or job later normally goes through.
 */
export function lockTimedOut(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '55P03';
}

/**
 * PostgreSQL refused a text value it cannot store: the NUL character (`\u0000`, in text or
 * JSON), SQLSTATE 22P05 or 22021; or, in JSON, half of a UTF-16 surrogate pair (`\ud800`
 * alone, which JSON.stringify writes as an escape): 22P02 from PostgreSQL's JSON parser
 * (`routine`, the same in every language the server speaks). The service sends only JSON
 * it serialised itself, so a JSON value refused is its text. The request's fault, not the
 * server's. (In a text column such a half is stored as U+FFFD: node-postgres encodes it so;
 * the API refuses it at the door, `storableText`.)
 */
export function textRefused(error: unknown): boolean {
  const { code, routine } = (error ?? {}) as { code?: unknown; routine?: unknown };
  return code === '22P05' || code === '22021' || (code === '22P02' && routine === 'json_ereport_error');
}

/**
 * Text PostgreSQL stores as it is: no NUL character (refused in text and JSON alike) and no
 * half of a UTF-16 surrogate pair (refused in JSON, silently turned into U+FFFD in a text
 * column). A well-formed pair (an emoji) is fine.
 */
export function storableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}
