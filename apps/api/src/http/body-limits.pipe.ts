import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { storableText } from '@returns/database';

/** The 400 for text PostgreSQL cannot store, refused at the door or by the database. */
export const UNSUPPORTED_TEXT = {
  statusCode: 400,
  error: 'Bad Request',
  code: 'UNSUPPORTED_TEXT',
  message: 'text may not contain the NUL character (\\u0000) or half of a UTF-16 surrogate pair (\\ud800-\\udfff alone)',
} as const;

/** Deepest nesting of arrays and objects a body may have; the deepest request of the contract (an upstream event's order lines) has four. */
export const MAX_BODY_DEPTH = 32;

export const BODY_TOO_DEEP = {
  statusCode: 400,
  error: 'Bad Request',
  code: 'BODY_TOO_DEEP',
  message: `the JSON body nests arrays and objects more than ${MAX_BODY_DEPTH} deep`,
} as const;

/**
 * Refuses, before the ValidationPipe and the handler see it, a body no handler could take:
 * - **text PostgreSQL cannot store** as sent (`storableText`), in any value or key:
 *   400 UNSUPPORTED_TEXT. The database would refuse it too (`textRefused` answers the same),
 *   but only after it had spoiled the statement it came in: a request's batch fails as a
 *   whole and every other request in it is written again one at a time, so a client that
 *   cuts its texts mid-emoji would slow a surge's intake for everyone. And in a text column
 *   (a note, a tracking number) half a surrogate pair would not be refused at all, but
 *   stored as U+FFFD.
 * - **nesting deeper than `MAX_BODY_DEPTH`**: 400 BODY_TOO_DEEP. A 100 kB body can nest
 *   50,000 arrays deep, and the ValidationPipe walks a body by recursion: such a body ran
 *   it out of stack, a 500.
 * Walks without recursion, once per body.
 */
@Injectable()
export class BodyLimitsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    const problem = bodyProblem(value);
    if (problem) throw new BadRequestException(problem);
    return value;
  }
}

/** The first reason a parsed JSON body is refused (`BodyLimitsPipe`), or undefined. */
export function bodyProblem(body: unknown): typeof UNSUPPORTED_TEXT | typeof BODY_TOO_DEEP | undefined {
  const pending: [unknown, number][] = [[body, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value === 'string') {
      if (!storableText(value)) return UNSUPPORTED_TEXT;
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_BODY_DEPTH) return BODY_TOO_DEEP;
      if (Array.isArray(value)) {
        for (const item of value) pending.push([item, depth + 1]);
      } else {
        for (const [key, item] of Object.entries(value)) {
          if (!storableText(key)) return UNSUPPORTED_TEXT;
          pending.push([item, depth + 1]);
        }
      }
    }
  }
  return undefined;
}
