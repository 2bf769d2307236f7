import type { DB } from '@rabita/db';
import type { Selectable } from 'kysely';

export type UserRow = Selectable<DB['users']>;

/** The public shape of a user: never the password hash. */
export function presentUser(row: UserRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    locale: row.locale,
    calendar: row.calendar,
    timeZone: row.timeZone,
    digits: row.digits,
    createdAt: row.createdAt.toISOString(),
  };
}
export type UserView = ReturnType<typeof presentUser>;
