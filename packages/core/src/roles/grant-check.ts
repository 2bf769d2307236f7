import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { grantsBeyond, type Permissions, parsePermissions } from './permissions.ts';

/**
 * Refuses to hand out a role (to an API key, an invitation, a member, or as a role's new permissions) that
 * allows more than the caller's own role: every action and object rule granted must be one the caller holds,
 * and only admins hand out the admin role. `field` names the input the problem is about.
 */
export function assertCanGrant(
  principal: Principal,
  role: { key: string; permissions: unknown },
  field: string,
): void {
  if (role.key === 'admin' && principal.role.key !== 'admin') {
    throw new AppError('forbidden', 'Only an admin may grant the admin role.', {
      errors: [{ field, message: 'Only an admin may grant the admin role.' }],
    });
  }
  const permissions: Permissions = parsePermissions(role.permissions);
  const beyond = grantsBeyond(permissions, principal.role.permissions);
  if (beyond.length > 0) {
    const message = `This grants more than your own role (${principal.role.key}) holds: ${beyond.slice(0, 10).join(', ')}.`;
    throw new AppError('forbidden', message, { errors: [{ field, message }] });
  }
}

/**
 * Refuses to change a role, or change or remove a member, holding more than the caller's own role, so nobody can
 * narrow, demote or remove someone above them.
 */
export function assertCanManage(
  principal: Principal,
  target: { key: string; permissions: unknown },
  what: 'role' | 'member',
): void {
  const above =
    (target.key === 'admin' && principal.role.key !== 'admin') ||
    grantsBeyond(parsePermissions(target.permissions), principal.role.permissions).length > 0;
  if (above)
    throw new AppError(
      'forbidden',
      what === 'role'
        ? `The role "${target.key}" holds more than yours (${principal.role.key}), so you may not change it.`
        : `This member's role (${target.key}) holds more than yours (${principal.role.key}), so you may not change or remove them.`,
    );
}
