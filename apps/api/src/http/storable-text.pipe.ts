import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { storableText } from '@returns/database';

/** The 400 for text PostgreSQL cannot store, refused at the door or by the database. */
export const UNSUPPORTED_TEXT = {
  statusCode: 400,
  error: 'Bad Request',
  code: 'UNSUPPORTED_TEXT',
  message: 'text may not contain the NUL character (\\u0000) or half of a UTF-16 surrogate pair (\\ud800-\\udfff alone)',
} as const;

/**
 * Refuses a body holding text PostgreSQL cannot store as sent (`storableText`), in any
 * value or key however deep: 400 UNSUPPORTED_TEXT before the handler runs.
 *
 * Without it the database refuses such text (`textRefused` answers the same), but only after
 * it has spoiled the statement it came in: a request's batch fails as a whole and every other
 * request in it is written again one at a time, so a client that cuts its texts mid-emoji
 * would slow a surge's intake for everyone. And in a text column (a note, a tracking number)
 * half a surrogate pair would not be refused at all, but stored as U+FFFD.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && !storableJson(value)) throw new BadRequestException(UNSUPPORTED_TEXT);
    return value;
  }
}

/** Every string of a parsed JSON value, and every key, is `storableText`. Walks without recursion: a 100 kB body can nest deeper than the stack. */
export function storableJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!storableText(next)) return false;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, item] of Object.entries(next)) {
        if (!storableText(key)) return false;
        pending.push(item);
      }
    }
  }
  return true;
}
