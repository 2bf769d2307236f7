import type { Tx } from '@rabita/db';
import { principalForMemberIn } from '../auth/members.service.ts';
import { type Principal, servicePrincipal } from '../auth/principal.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { assertCanGrant } from '../roles/grant-check.ts';
import { grantsBeyond } from '../roles/permissions.ts';
import { findRoleIn } from '../roles/roles.service.ts';
import type { WorkflowSettings } from './definition.ts';

// Whom a workflow's steps act as. `owner` and `starter` are members; a role (`runAs: {role}`) is a service
// principal with exactly that role, no user and no key, its writes attributed to the workflow through their cause.
// The rule "never more than the person who set it" is the roles module's `assertCanGrant` (the one API keys,
// invitations and roles use), applied to whoever saves or publishes the settings, and to the owner at run time.

const FIELD = 'settings.runAs.role';

/**
 * Refuses settings whose `runAs` role does not exist in the workspace, or grants anything the caller's own role
 * does not hold (400, naming `settings.runAs.role`); gives the service principal such settings run as (undefined
 * for owner and starter settings, which pass).
 */
export async function assertRunAsWithin(
  trx: Tx,
  principal: Principal,
  settings: Pick<WorkflowSettings, 'runAs'> | undefined,
): Promise<Principal | undefined> {
  const runAs = settings?.runAs;
  if (runAs === undefined || typeof runAs === 'string') return undefined;
  const role = await findRoleIn(trx, principal.workspaceId, runAs.role);
  if (!role)
    throw new AppError('validation_failed', `There is no role ${runAs.role} to run as.`, {
      errors: [{ field: FIELD, message: 'There is no such role.' }],
    });
  try {
    assertCanGrant(principal, role, FIELD);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'forbidden') throw error;
    // The same refusal, as a problem with the settings sent (400) rather than with who the caller is.
    const message = `A workflow may run as the role "${role.name}" only when you hold all it grants. ${error.message}`;
    throw new AppError('validation_failed', message, { errors: [{ field: FIELD, message }] });
  }
  return servicePrincipal(principal.workspaceId, role);
}

/** Whom a run acts as, or why it may not act at all (a sentence for the run, or for its step). */
export type Acting =
  | { principal: Principal; refusal?: undefined; noOwner?: undefined }
  | { principal?: undefined; refusal: string; noOwner?: undefined }
  | { principal?: undefined; refusal?: undefined; noOwner: true };

/**
 * The principal a run's steps act as: the workflow's owner, whoever started the run (settings `starter`), or a
 * service principal with the settings' role. A role is re-checked against the owner's current role every step: a
 * role since deleted, or widened beyond the owner, refuses with a sentence instead of acting with more rights.
 */
export async function actingPrincipal(
  trx: Tx,
  workspaceId: string,
  ownerUserId: string | null,
  startedBy: string | null,
  settings: Pick<WorkflowSettings, 'runAs'>,
): Promise<Acting> {
  const runAs = settings.runAs;
  if (typeof runAs === 'string') {
    const userId = runAs === 'starter' && startedBy ? startedBy : ownerUserId;
    const principal = userId ? await principalForMemberIn(trx, userId, workspaceId) : undefined;
    return principal ? { principal } : { noOwner: true };
  }
  const owner = ownerUserId ? await principalForMemberIn(trx, ownerUserId, workspaceId) : undefined;
  if (!owner) return { noOwner: true };
  const role = await findRoleIn(trx, workspaceId, runAs.role);
  if (!role)
    return {
      refusal:
        'the role this workflow runs as no longer exists, so the step was not run. Choose another role in the workflow’s settings and publish again.',
    };
  try {
    assertCanGrant(owner, role, FIELD);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'forbidden') throw error;
    const beyond = grantsBeyond(role.permissions, owner.role.permissions);
    const what = beyond.length > 0 ? beyond.slice(0, 5).join(', ') : 'the admin role';
    return {
      refusal: `the role "${role.name}" this workflow runs as now grants more than its owner’s role (${owner.role.name}) holds (${what}), so the step was not run.`,
    };
  }
  return { principal: servicePrincipal(workspaceId, role) };
}
