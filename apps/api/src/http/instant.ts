import { parseTimestamp } from '@returns/contracts';
import { badRequest } from '@returns/case';

/**
 * The instant a timestamp field of a request names, read as the contract's timestamps are
 * (`parseTimestamp`: UTC when written without an offset, whatever the server's zone). Some
 * forms `IsISO8601` lets through name no instant here (week and ordinal dates): a 400
 * naming the field, not a 500 from an invalid Date.
 */
export function instantOf(text: string, field: string): Date {
  const at = parseTimestamp(text);
  if (Number.isNaN(at.getTime())) throw badRequest([`${field} must be a date and time like 2026-11-11T00:00:00Z`]);
  return at;
}
