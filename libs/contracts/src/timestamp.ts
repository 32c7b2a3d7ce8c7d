/**
 * ISO-8601 as the API takes it in (`IsISO8601({ strict: true })`): a calendar date, extended
 * (`2026-11-13`, `2026-11`) or basic (`20261113`), then optionally a time after `T` or a space
 * (`08`, `08:00`, `08:00:00`, `080000`), a fraction of its last unit (`.5` or `,5`) and an
 * offset (`Z`, `+08`, `+08:00`, `+0800`).
 */
const ISO_8601 =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|(\d{2})(\d{2}))(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2}))?)?(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The instant an ISO-8601 timestamp from a client names. The contract's timestamps are UTC,
 * so one written without an offset (`2026-11-13T08:00:00`) is read as UTC, whatever the
 * server's time zone: `new Date()` would read it in the zone of the process that parses it,
 * and the same request would mean another instant on a server set to Asia/Shanghai (8 h
 * earlier) than on one set to UTC. A timestamp with an offset means what it says. Forms
 * outside the pattern above (week and ordinal dates) are left to `new Date()`.
 */
export function parseTimestamp(text: string): Date {
  const m = ISO_8601.exec(text.trim());
  if (!m) return new Date(text);
  const [, year, month, day, basicMonth, basicDay, hour, minute, second, fraction, offset] = m;
  const fractionOf = (unitMs: number) => (fraction ? Math.floor(Number(`0.${fraction}`) * unitMs) : 0);
  const lastUnitMs = second !== undefined ? 1000 : minute !== undefined ? MINUTE_MS : HOUR_MS;
  const local = Date.UTC(
    Number(year),
    Number(month ?? basicMonth) - 1,
    Number(day ?? basicDay ?? 1),
    Number(hour ?? 0),
    Number(minute ?? 0),
    Number(second ?? 0),
  );
  return new Date(local + fractionOf(lastUnitMs) - offsetMinutes(offset) * MINUTE_MS);
}

/** `Z` or none: 0; `+08`, `+08:00`, `-0530`: minutes east of UTC. */
function offsetMinutes(offset: string | undefined): number {
  if (!offset || offset.toUpperCase() === 'Z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}
