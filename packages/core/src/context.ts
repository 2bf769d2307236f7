import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from './auth/principal.ts';

/**
 * What every service acting for a caller receives: the database and who is asking (their workspace, role and
 * rights). Routes build it with `contextOf`; jobs and the CLI with the principal they act as. Steps that run
 * inside a transaction someone else opened take `(trx, workspaceId)` instead.
 */
export interface ServiceContext {
  readonly db: Database;
  readonly principal: Principal;
  /** Where the request came from, for the security audit log (absent for jobs and the CLI). */
  readonly origin?: { readonly ip: string | null; readonly userAgent: string | null } | undefined;
}

/** Runs transaction steps for a caller, in one transaction scoped to the caller's workspace. */
export function inWorkspace<T>(
  { db, principal }: ServiceContext,
  steps: (trx: Tx, workspaceId: string) => Promise<T>,
): Promise<T> {
  return withWorkspace(db, principal.workspaceId, (trx) => steps(trx, principal.workspaceId));
}
