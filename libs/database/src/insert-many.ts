import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { preparedQuery } from './prepared-query';
import { Statement } from './statements';

/**
 * The element type of an array parameter for a column of `type` (TypeORM's column type):
 * a fixed-length `char` would truncate each element to one character, so text.
 */
export function arrayElementType(type: unknown): string {
  const name = String(type);
  return /^(char|character|varchar|character varying)$/.test(name) ? 'text' : name;
}

/** A value as an element of an array parameter of a column of `type` (JSON columns travel as text). */
export function arrayElement(type: unknown, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return type === 'jsonb' || type === 'json' ? JSON.stringify(value) : value;
}

/**
 * The statement that inserts rows of an entity, one array parameter per column
 * (`INSERT ... SELECT * FROM unnest($1::uuid[], ...)`), which costs the same however many
 * rows there are; TypeORM's multi-row insert builds one parameter per value and looks each
 * one up among the others, so its cost grows with the square of the batch. Columns no row
 * sets are left to their defaults (a generated id, say); value transformers apply.
 * @returns null for no rows
 */
export function insertManyStatement<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, rows: Partial<T>[]): Statement | null {
  if (!rows.length) return null;
  const metadata = manager.connection.getMetadata(target);
  const columns = metadata.columns.filter((column) => rows.some((row) => (row as ObjectLiteral)[column.propertyName] !== undefined));
  const params = columns.map((column) =>
    rows.map((row) => {
      const raw = (row as ObjectLiteral)[column.propertyName];
      const value = column.transformer && !Array.isArray(column.transformer) ? column.transformer.to(raw) : raw;
      return arrayElement(column.type, value);
    }),
  );
  return {
    text: `INSERT INTO "${metadata.tableName}" (${columns.map((c) => `"${c.databaseName}"`).join(', ')})
     SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${arrayElementType(c.type)}[]`).join(', ')})`,
    params,
  };
}

/** Inserts rows of an entity in one statement (`insertManyStatement`). */
export async function insertMany<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, rows: Partial<T>[]): Promise<void> {
  const statement = insertManyStatement(manager, target, rows);
  if (statement) await preparedQuery(manager, statement.text, statement.params);
}
