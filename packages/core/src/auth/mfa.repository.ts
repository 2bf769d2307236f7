import type { Database, Tx } from '@rabita/db';
import { sql } from 'kysely';

type Executor = Database | Tx;

export interface TotpRow {
  userId: string;
  secretEncrypted: string;
  confirmedAt: Date | null;
  lastUsedStep: string | null;
}

export function findTotp(db: Executor, userId: string): Promise<TotpRow | undefined> {
  return db
    .selectFrom('mfaTotp')
    .select(['userId', 'secretEncrypted', 'confirmedAt', 'lastUsedStep'])
    .where('userId', '=', userId)
    .executeTakeFirst();
}

/** Starts (or restarts) an unconfirmed authenticator; a confirmed one is left alone (returns false). */
export async function upsertPendingTotp(
  db: Executor,
  userId: string,
  secretEncrypted: string,
): Promise<boolean> {
  const row = await db
    .insertInto('mfaTotp')
    .values({ userId, secretEncrypted })
    .onConflict((oc) =>
      oc
        .column('userId')
        .doUpdateSet({ secretEncrypted, createdAt: sql`excluded.created_at`, lastUsedStep: null })
        .where('mfaTotp.confirmedAt', 'is', null),
    )
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records that the code of time step `step` was used, only when no code of that step or a later one was: a code
 * is accepted once. Confirms the authenticator on its first code. False when the step was already used.
 */
export async function useTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
  // The time comes from a one-row `clock` the update is joined with, not `coalesce(confirmed_at, now())`: a Citus
  // cluster refuses a function that is not immutable inside `coalesce` in an update ("non-IMMUTABLE functions are
  // not allowed in CASE or COALESCE statements"; `mfa_totp` is a reference table there). It runs the `clock`
  // subquery once on the coordinator and sends the one value to every copy of the table, so the copies agree. One
  // PostgreSQL writes the same row with the same `now()`, in one statement that takes the same row lock (a code
  // used twice at once is accepted once). Not two statements split on `confirmed_at is null`, which would cost
  // every sign-in a second one, nor the application's clock.
  const { rows } = await sql<{ userId: string }>`
    update mfa_totp as t set last_used_step = ${String(step)}, confirmed_at = coalesce(t.confirmed_at, clock.at)
    from (select now() as at) as clock
    where t.user_id = ${userId} and (t.last_used_step is null or t.last_used_step < ${String(step)})
    returning t.user_id as "userId"`.execute(db);
  return rows[0] !== undefined;
}

export async function deleteTotp(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('mfaTotp').where('userId', '=', userId).execute();
  await db.deleteFrom('mfaRecoveryCodes').where('userId', '=', userId).execute();
}

export async function replaceRecoveryCodes(db: Executor, userId: string, hashes: Buffer[]): Promise<void> {
  await db.deleteFrom('mfaRecoveryCodes').where('userId', '=', userId).execute();
  await db
    .insertInto('mfaRecoveryCodes')
    .values(hashes.map((codeHash) => ({ userId, codeHash })))
    .execute();
}

/** Marks an unused recovery code used; false when there is no such unused code. */
export async function useRecoveryCode(db: Executor, userId: string, codeHash: Buffer): Promise<boolean> {
  const row = await db
    .updateTable('mfaRecoveryCodes')
    .set({ usedAt: sql`now()` })
    .where('userId', '=', userId)
    .where('codeHash', '=', codeHash)
    .where('usedAt', 'is', null)
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('mfaRecoveryCodes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('userId', '=', userId)
    .where('usedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface ChallengeRow {
  userId: string;
  workspaceId: string;
  kind: 'code' | 'enroll';
}

export async function insertChallenge(
  db: Executor,
  input: { tokenHash: Buffer; userId: string; workspaceId: string; kind: 'code' | 'enroll'; expiresAt: Date },
): Promise<void> {
  await db.insertInto('signInChallenges').values(input).execute();
}

export async function findChallenge(db: Executor, tokenHash: Buffer): Promise<ChallengeRow | undefined> {
  const row = await db
    .selectFrom('signInChallenges')
    .select(['userId', 'workspaceId', 'kind'])
    .where('tokenHash', '=', tokenHash)
    .where('expiresAt', '>', new Date())
    .executeTakeFirst();
  return row && { ...row, kind: row.kind === 'enroll' ? 'enroll' : 'code' };
}

/** Deletes a challenge; false when it was already gone (used by a parallel request). */
export async function deleteChallenge(db: Executor, tokenHash: Buffer): Promise<boolean> {
  const result = await db
    .deleteFrom('signInChallenges')
    .where('tokenHash', '=', tokenHash)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface KnownDeviceRow {
  userId: string;
  mfaRememberedUntil: Date | null;
}

export function findKnownDevice(db: Executor, tokenHash: Buffer): Promise<KnownDeviceRow | undefined> {
  return db
    .selectFrom('knownDevices')
    .select(['userId', 'mfaRememberedUntil'])
    .where('tokenHash', '=', tokenHash)
    .where('expiresAt', '>', new Date())
    .executeTakeFirst();
}

export async function insertKnownDevice(
  db: Executor,
  input: { tokenHash: Buffer; userId: string; expiresAt: Date; mfaRememberedUntil: Date | null },
): Promise<void> {
  await db.insertInto('knownDevices').values(input).execute();
}

export async function rememberDeviceForMfa(db: Executor, tokenHash: Buffer, until: Date): Promise<void> {
  await db
    .updateTable('knownDevices')
    .set({ mfaRememberedUntil: until })
    .where('tokenHash', '=', tokenHash)
    .execute();
}

/** Forgets every device's second-factor pass for a person (when their second factor changes). */
export async function forgetRememberedDevices(db: Executor, userId: string): Promise<void> {
  await db
    .updateTable('knownDevices')
    .set({ mfaRememberedUntil: null })
    .where('userId', '=', userId)
    .execute();
}

/** Deletes spent challenges and expired devices; run by the hourly cleanup. */
export async function deleteExpiredSignInState(db: Executor): Promise<number> {
  const a = await db.deleteFrom('signInChallenges').where('expiresAt', '<=', new Date()).executeTakeFirst();
  const b = await db.deleteFrom('knownDevices').where('expiresAt', '<=', new Date()).executeTakeFirst();
  return Number(a.numDeletedRows) + Number(b.numDeletedRows);
}

/** The role ids of a workspace that require a second factor (in a workspace transaction). */
export async function listMfaRequiredRoleIds(trx: Tx, workspaceId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('mfaRequiredRoles')
    .select('roleId')
    .where('workspaceId', '=', workspaceId)
    .execute();
  return rows.map((r) => r.roleId);
}

export async function replaceMfaRequiredRoles(
  trx: Tx,
  workspaceId: string,
  roleIds: string[],
): Promise<void> {
  await trx.deleteFrom('mfaRequiredRoles').where('workspaceId', '=', workspaceId).execute();
  if (roleIds.length === 0) return;
  await trx
    .insertInto('mfaRequiredRoles')
    .values(roleIds.map((roleId) => ({ workspaceId, roleId })))
    .execute();
}

/** Whether the member's role in the workspace requires a second factor. */
export async function memberRoleRequiresMfa(trx: Tx, workspaceId: string, userId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('memberships as m')
    .innerJoin('mfaRequiredRoles as r', (j) =>
      j.onRef('r.workspaceId', '=', 'm.workspaceId').onRef('r.roleId', '=', 'm.roleId'),
    )
    .select('m.userId')
    .where('m.workspaceId', '=', workspaceId)
    .where('m.userId', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}
