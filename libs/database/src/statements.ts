import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from './prepared-query';

/**
 * A statement and its parameters, to run on its own or with others in one round trip
 * (`runTogether`). Its text names its parameters `$1` to `$n` and has no other `$`.
 */
export interface Statement {
  text: string;
  params: unknown[];
}

/** `text` with each parameter `$k` renamed `$(k + offset)`. */
function shifted(text: string, offset: number): string {
  return offset ? text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`) : text;
}

/**
 * Runs statements as one, in one round trip: each but the last as a data-modifying CTE of
 * the last, the parameters renumbered one statement after another. Prepared as
 * `preparedQuery` does (the combined texts come from a fixed set too).
 *
 * One statement sees one snapshot: none sees the rows another writes, so they must not
 * write the same rows (two moves of one case) nor read what another writes. Constraints
 * are checked at the end of the whole, so one may insert rows that another's rows refer to.
 * @returns the last statement's rows
 */
export async function runTogether<R = any>(on: DataSource | EntityManager, statements: Statement[]): Promise<R[]> {
  if (!statements.length) return [];
  let offset = 0;
  const texts = statements.map(({ text, params }) => {
    const renamed = shifted(text, offset);
    offset += params.length;
    return renamed;
  });
  const last = texts.pop()!;
  const text = texts.length ? `WITH ${texts.map((t, i) => `written${i} AS (${t})`).join(',\n')}\n${last}` : last;
  return preparedQuery<R>(on, text, statements.flatMap((s) => s.params));
}

/**
 * The conditions of a query built from optional filters, joined with AND; each `?` in a
 * condition becomes the next numbered parameter.
 */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds `sql` with `values` for its `?`s, in order. */
  add(sql: string, ...values: unknown[]): this {
    this.parts.push(sql.replace(/\?/g, () => this.param(values.shift())));
    return this;
  }

  /** `$k` for one more parameter (a LIMIT, say). */
  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }

  /** `WHERE a AND b ...`, or nothing when there are no conditions. */
  get where(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
