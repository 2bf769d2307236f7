import type { Database, Tx } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { presentUser, type UserRow } from './users.presenter.ts';

/** Emails compare case-insensitively and without surrounding space. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function findUserByEmail(db: Database | Tx, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('emailNormalized', '=', normalizeEmail(email))
    .executeTakeFirst();
}

export async function getUser(db: Database | Tx, userId: string): Promise<UserRow> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'The user does not exist.');
  return row;
}

/** Inserts a user; an email already registered is a conflict. */
export async function insertUser(
  trx: Tx,
  input: { email: string; name: string; passwordHash: string; locale?: string },
): Promise<UserRow> {
  const row = await trx
    .insertInto('users')
    .values({
      id: newId(),
      email: input.email.trim(),
      emailNormalized: normalizeEmail(input.email),
      name: input.name.trim(),
      passwordHash: input.passwordHash,
      ...(input.locale ? { locale: input.locale } : {}),
    })
    .onConflict((oc) => oc.column('emailNormalized').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('email_taken', 'An account with this email already exists; sign in instead.');
  return row;
}

/** Replaces a user's password hash. */
export async function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ passwordHash, updatedAt: new Date() })
    .where('id', '=', userId)
    .execute();
}

export interface PreferencesPatch {
  name?: string | undefined;
  locale?: string | undefined;
  calendar?: string | undefined;
  timeZone?: string | undefined;
  digits?: string | undefined;
}

/** Updates a user's own name and display preferences. */
export async function updatePreferences(db: Database, userId: string, patch: PreferencesPatch) {
  const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const row = await db
    .updateTable('users')
    .set({ ...values, updatedAt: new Date() })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'The user does not exist.');
  return presentUser(row);
}
