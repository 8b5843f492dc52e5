import type { Pool } from 'pg';

/** An operator's action from the console, as recorded in `console_actions`. */
export interface ConsoleActionInput {
  readonly actor: string;
  readonly action: 'replay' | 'purge';
  /** The selected row ids, or the filter of "everything matching". */
  readonly target: Readonly<Record<string, unknown>>;
  readonly confirmed: number;
  readonly done: number;
  readonly error?: string | undefined;
}

export interface ConsoleActionRecord extends ConsoleActionInput {
  readonly id: string;
  readonly at: Date;
  readonly error: string | undefined;
}

/** Records one console action; returns its row. */
export async function recordConsoleAction(pool: Pool, action: ConsoleActionInput): Promise<ConsoleActionRecord> {
  const { rows } = await pool.query<{ id: string; at: Date }>(
    'INSERT INTO console_actions (actor, action, target, confirmed, done, error) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id, at',
    [action.actor, action.action, JSON.stringify(action.target), action.confirmed, action.done, action.error ?? null],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('INSERT … RETURNING gave no row');
  return { ...action, id: row.id, at: row.at, error: action.error };
}

/** The newest console actions first. */
export async function listConsoleActions(pool: Pool, limit: number): Promise<ConsoleActionRecord[]> {
  const { rows } = await pool.query<Omit<ConsoleActionRecord, 'error'> & { error: string | null }>(
    'SELECT id::text AS id, at, actor, action, target, confirmed, done, error FROM console_actions ORDER BY id DESC LIMIT $1',
    [limit],
  );
  return rows.map((row) => ({ ...row, error: row.error ?? undefined }));
}
