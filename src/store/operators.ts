import { sql } from 'kysely';
import type { Db } from './database.js';

// Operators, sign-in sessions and conversation assignees (migration 016).

export interface OperatorRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  disabled_at: Date | null;
}

const OPERATOR_COLUMNS = ['id', 'email', 'name', 'created_at', 'disabled_at'] as const;

/** Inserts unless the project has an operator with this e-mail (any case); null then. */
export async function insertOperator(db: Db, projectId: string, operator: { id: string; email: string; name: string; passwordHash: string }): Promise<OperatorRow | null> {
  const { rows } = await sql<OperatorRow>`
    INSERT INTO operators (project_id, id, email, name, password_hash)
    VALUES (${projectId}, ${operator.id}, ${operator.email}, ${operator.name}, ${operator.passwordHash})
    ON CONFLICT (project_id, lower(email)) DO NOTHING
    RETURNING id, email, name, created_at, disabled_at`.execute(db);
  return rows[0] ?? null;
}

export async function selectOperators(db: Db, projectId: string): Promise<OperatorRow[]> {
  return db.selectFrom('operators').select(OPERATOR_COLUMNS).where('project_id', '=', projectId).orderBy('name').orderBy('id').execute();
}

export async function selectOperator(db: Db, projectId: string, id: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').select(OPERATOR_COLUMNS).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

/** Active operators with this e-mail, in any project (signing in does not know the project yet). */
export async function selectOperatorsByEmail(db: Db, email: string): Promise<Array<OperatorRow & { project_id: string; password_hash: string }>> {
  return db
    .selectFrom('operators')
    .select([...OPERATOR_COLUMNS, 'project_id', 'password_hash'])
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .where('disabled_at', 'is', null)
    .orderBy('created_at')
    .limit(10)
    .execute();
}

/** Disables the operator (once) and ends its sessions; undefined when there is no such operator. */
export async function disableOperator(db: Db, projectId: string, id: string): Promise<OperatorRow | undefined> {
  await db
    .updateTable('operators')
    .set({ disabled_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .execute();
  await db.deleteFrom('sessions').where('project_id', '=', projectId).where('operator_id', '=', id).execute();
  return selectOperator(db, projectId, id);
}

export interface ApiKeyRow {
  project_id: string;
  id: string;
  label: string | null;
}

export async function selectApiKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').select(['project_id', 'id', 'label']).where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function insertSession(db: Db, projectId: string, session: { tokenHash: string; operatorId: string | null; apiKeyId: string | null; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ project_id: projectId, token_hash: session.tokenHash, operator_id: session.operatorId, api_key_id: session.apiKeyId, expires_at: session.expiresAt })
    .execute();
}

export interface SessionRow {
  operator_id: string | null;
  operator_name: string | null;
  operator_email: string | null;
  api_key_id: string | null;
  api_key_label: string | null;
  expires_at: Date;
}

/** A session still valid: not expired, and its operator not disabled. */
export async function selectSession(db: Db, projectId: string, tokenHash: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('sessions as s')
    .leftJoin('operators as o', (join) => join.onRef('o.project_id', '=', 's.project_id').onRef('o.id', '=', 's.operator_id'))
    .leftJoin('api_keys as k', (join) => join.onRef('k.project_id', '=', 's.project_id').onRef('k.id', '=', 's.api_key_id'))
    .select(['s.operator_id', 'o.name as operator_name', 'o.email as operator_email', 's.api_key_id', 'k.label as api_key_label', 's.expires_at'])
    .where('s.project_id', '=', projectId)
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where((eb) => eb.or([eb('s.operator_id', 'is', null), eb('o.disabled_at', 'is', null)]))
    .executeTakeFirst();
}

export async function deleteSession(db: Db, projectId: string, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('project_id', '=', projectId).where('token_hash', '=', tokenHash).execute();
}

/** Expired sessions of the project, removed when someone of it signs in. */
export async function deleteExpiredSessions(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('sessions').where('project_id', '=', projectId).where('expires_at', '<=', sql<Date>`now()`).execute();
}

/** Sets who the conversation is assigned to; false when there is no such conversation. */
export async function updateAssignee(db: Db, projectId: string, conversationId: string, operatorId: string | null): Promise<boolean> {
  const result = await db.updateTable('conversations').set({ assignee_id: operatorId }).where('project_id', '=', projectId).where('id', '=', conversationId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
