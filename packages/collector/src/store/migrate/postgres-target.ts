/**
 * The PostgreSQL side of `migrate-store`: what the target's tables look like
 * (from `information_schema.columns`, so the copier follows whatever the
 * migrations created), set-based batch inserts that skip rows already there,
 * and sequences moved past the copied ids.
 */
import type { Queryable } from '../postgres/pool.js';

export interface TargetColumn {
  name: string;
  /** `information_schema` data type: what values are converted to. */
  dataType: string;
  /** Element type for `unnest($n::<udt>[])`. */
  udt: string;
  /** GENERATED ALWAYS AS IDENTITY: inserting a value needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
  /** An identity column or a nextval() default: its sequence follows the copied maximum. */
  sequenced: boolean;
  /** A generated (computed) column: never inserted. */
  generated: boolean;
  required: boolean;
}

export type TargetTables = Map<string, TargetColumn[]>;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function readTargetTables(db: Queryable): Promise<TargetTables> {
  const { rows } = await db.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_identity: string;
    identity_generation: string | null;
    is_generated: string;
    column_default: string | null;
    is_nullable: string;
  }>(
    `SELECT table_name, column_name, data_type, udt_name, is_identity, identity_generation, is_generated,
            column_default, is_nullable
     FROM information_schema.columns WHERE table_schema = current_schema()
     ORDER BY table_name, ordinal_position`,
  );
  const tables: TargetTables = new Map();
  for (const row of rows) {
    const columns = tables.get(row.table_name) ?? [];
    columns.push({
      name: row.column_name,
      dataType: row.data_type,
      udt: row.udt_name,
      identityAlways: row.is_identity === 'YES' && row.identity_generation === 'ALWAYS',
      sequenced: row.is_identity === 'YES' || (row.column_default ?? '').startsWith('nextval('),
      generated: row.is_generated === 'ALWAYS',
      required: row.is_nullable === 'NO' && row.column_default === null && row.is_identity !== 'YES',
    });
    tables.set(row.table_name, columns);
  }
  return tables;
}

export async function storeVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
  return rows[0]?.v ?? 0;
}

export async function hasRows(db: Queryable, table: string): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS any`);
  return rows[0]?.any === true;
}

export async function countRows(db: Queryable, table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${quote(table)}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Inserts the rows (values in `columns` order); answers how many were new.
 * Rows whose key is already there are skipped, except in a singleton table,
 * whose one row is overwritten (`upsertKey`).
 */
export async function insertRows(
  db: Queryable,
  table: string,
  columns: TargetColumn[],
  rows: unknown[][],
  upsertKey?: string[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = columns.map((c) => quote(c.name)).join(', ');
  const overriding = columns.some((c) => c.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
  const rest = columns.filter((c) => !upsertKey?.includes(c.name));
  const conflict = upsertKey
    ? `ON CONFLICT (${upsertKey.map(quote).join(', ')}) DO ${
        rest.length
          ? `UPDATE SET ${rest.map((c) => `${quote(c.name)} = EXCLUDED.${quote(c.name)}`).join(', ')}`
          : 'NOTHING'
      }`
    : 'ON CONFLICT DO NOTHING';
  // unnest needs one array per column: fine for base types; arrays and enums go as VALUES rows.
  const unnestable = columns.every((c) => !c.udt.startsWith('_') && c.dataType !== 'USER-DEFINED');
  let result: { rowCount: number | null };
  if (unnestable) {
    const arrays = columns.map((_, i) => rows.map((row) => row[i]));
    const casts = columns.map((c, i) => `$${i + 1}::${quote(c.udt)}[]`).join(', ');
    result = await db.query(
      `INSERT INTO ${quote(table)} (${names})${overriding} SELECT * FROM unnest(${casts}) ${conflict}`,
      arrays,
    );
  } else {
    const params: unknown[] = [];
    const tuples = rows.map(
      (row) =>
        `(${row.map((value, i) => `$${params.push(value)}::${columns[i]!.udt.startsWith('_') ? `${quote(columns[i]!.udt.slice(1))}[]` : quote(columns[i]!.udt)}`).join(', ')})`,
    );
    result = await db.query(
      `INSERT INTO ${quote(table)} (${names})${overriding} VALUES ${tuples.join(', ')} ${conflict}`,
      params,
    );
  }
  return result.rowCount ?? 0;
}

/** Moves `sequence` so that its next value is above `max` (never backwards). */
export async function advanceSequence(db: Queryable, sequence: string, max: number): Promise<void> {
  await db.query(
    `SELECT setval($1::regclass, $2::bigint) WHERE $2::bigint > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${sequence})`,
    [sequence, max],
  );
}

export async function sequenceOf(db: Queryable, table: string, column: string): Promise<string | null> {
  const { rows } = await db.query<{ s: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS s', [
    quote(table),
    column,
  ]);
  return rows[0]?.s ?? null;
}

export async function sequenceExists(db: Queryable, sequence: string): Promise<boolean> {
  const { rows } = await db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [sequence]);
  return rows[0]?.r !== null && rows[0]?.r !== undefined;
}

export async function maxOf(db: Queryable, table: string, column: string): Promise<number | null> {
  const { rows } = await db.query<{ m: number | null }>(
    `SELECT max(${quote(column)})::bigint AS m FROM ${quote(table)}`,
  );
  const max = rows[0]?.m;
  return max === null || max === undefined ? null : Number(max);
}
