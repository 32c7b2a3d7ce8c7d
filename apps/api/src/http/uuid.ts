import { notFound } from '@returns/case';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our ids are UUIDs: anything else names no record, so it is a 404 like an unknown id. */
export function knownIdOr404(id: string, what: string, code: string): string {
  if (!UUID.test(id)) throw notFound(code, `${what} ${id} not found`);
  return id.toLowerCase();
}
