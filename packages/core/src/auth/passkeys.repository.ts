import type { Database, Tx } from '@rabita/db';
import { sql } from 'kysely';

type Executor = Database | Tx;

/** A registered credential as the ceremonies need it. */
export interface PasskeyRow {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const columns = [
  'id',
  'userId',
  'credentialId',
  'publicKey',
  'counter',
  'transports',
  'name',
  'createdAt',
  'lastUsedAt',
] as const;

const toRow = (r: Omit<PasskeyRow, 'counter'> & { counter: string | number | bigint }): PasskeyRow => ({
  ...r,
  counter: Number(r.counter),
});

export async function listPasskeys(db: Executor, userId: string): Promise<PasskeyRow[]> {
  const rows = await db
    .selectFrom('passkeys')
    .select(columns)
    .where('userId', '=', userId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return rows.map(toRow);
}

export async function findPasskeyByCredentialId(
  db: Executor,
  credentialId: string,
): Promise<PasskeyRow | undefined> {
  const row = await db
    .selectFrom('passkeys')
    .select(columns)
    .where('credentialId', '=', credentialId)
    .executeTakeFirst();
  return row && toRow(row);
}

export async function countPasskeys(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('userId', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Saves a new credential; undefined when its credential id is registered already (to anyone). */
export async function insertPasskey(
  db: Executor,
  input: Omit<PasskeyRow, 'createdAt' | 'lastUsedAt'>,
): Promise<PasskeyRow | undefined> {
  const row = await db
    .insertInto('passkeys')
    .values({ ...input, counter: String(input.counter) })
    .onConflict((oc) => oc.column('credentialId').doNothing())
    .returning(columns)
    .executeTakeFirst();
  return row && toRow(row);
}

export async function renamePasskey(
  db: Executor,
  userId: string,
  id: string,
  name: string,
): Promise<PasskeyRow | undefined> {
  const row = await db
    .updateTable('passkeys')
    .set({ name })
    .where('userId', '=', userId)
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
  return row && toRow(row);
}

/** Deletes one of a person's passkeys; false when they have no such passkey. */
export async function deletePasskey(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('passkeys')
    .where('userId', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Records a use with the authenticator's new counter, only while the stored counter is still the one the
 * assertion was checked against (two parallel uses of one assertion cannot both pass). False otherwise.
 */
export async function recordPasskeyUse(
  db: Executor,
  id: string,
  previousCounter: number,
  newCounter: number,
): Promise<boolean> {
  const row = await db
    .updateTable('passkeys')
    .set({ counter: String(newCounter), lastUsedAt: sql`now()` })
    .where('id', '=', id)
    .where('counter', '=', String(previousCounter))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export type ChallengePurpose = 'register' | 'second_step' | 'sign_in';

export async function insertPasskeyChallenge(
  db: Executor,
  input: { challenge: string; userId: string | null; purpose: ChallengePurpose; expiresAt: Date },
): Promise<void> {
  await db.insertInto('passkeyChallenges').values(input).execute();
}

/**
 * Uses a challenge up: deletes it and answers whom it was for, when it was live and of this purpose; undefined
 * otherwise (unknown, expired, already used, or made for another ceremony).
 */
export async function takePasskeyChallenge(
  db: Executor,
  challenge: string,
  purpose: ChallengePurpose,
): Promise<{ userId: string | null } | undefined> {
  return db
    .deleteFrom('passkeyChallenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', purpose)
    .where('expiresAt', '>', new Date())
    .returning('userId')
    .executeTakeFirst();
}

/** Deletes expired challenges; run by the hourly cleanup. */
export async function deleteExpiredPasskeyChallenges(db: Executor): Promise<number> {
  const result = await db
    .deleteFrom('passkeyChallenges')
    .where('expiresAt', '<=', new Date())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** When the session was opened (signed in); undefined when it is gone. */
export async function sessionSignedInAt(db: Executor, sessionId: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select('createdAt')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row?.createdAt;
}
