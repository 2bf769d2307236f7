import type { RoleKey } from '@rabita/shared';
import { registry } from '../modules/registry.ts';

/** A workspace-wide action a role may be granted; modules declare theirs in their manifests. */
export type Action = string;

/** What a role may do with records of an object (`*` is the fallback for every object). */
export interface ObjectRule {
  read: boolean;
  create: boolean;
  update: boolean;
  delete: boolean;
  /** Limits read/update/delete to records the member owns. */
  ownRecordsOnly?: boolean;
  /** Field names hidden from, or read-only for, this role. */
  hiddenFields?: string[];
  readOnlyFields?: string[];
}

/** A role's permissions as stored in `roles.permissions`. */
export interface Permissions {
  actions: Action[];
  objects: Record<string, ObjectRule>;
}

const ALL: ObjectRule = { read: true, create: true, update: true, delete: true };
const NAMES: Record<RoleKey, string> = {
  admin: 'Admin',
  manager: 'Manager',
  member: 'Member',
  agent: 'Agent',
  viewer: 'Viewer',
};
const OBJECTS: Record<RoleKey, ObjectRule> = {
  admin: ALL,
  manager: ALL,
  member: ALL,
  agent: { read: true, create: true, update: true, delete: false },
  viewer: { read: true, create: false, update: false, delete: false },
};

/** The roles every new workspace starts with: admins get every action, the others what modules grant them. */
export function defaultRoles(): Record<RoleKey, { name: string; permissions: Permissions }> {
  const { grants } = registry();
  const role = (key: RoleKey) => ({
    name: NAMES[key],
    permissions: {
      actions: grants.filter((g) => key === 'admin' || g.roles.includes(key)).map((g) => g.action),
      objects: { '*': OBJECTS[key] },
    },
  });
  return {
    admin: role('admin'),
    manager: role('manager'),
    member: role('member'),
    agent: role('agent'),
    viewer: role('viewer'),
  };
}

/** Reads a stored permissions document defensively: anything unknown grants nothing. */
export function parsePermissions(value: unknown): Permissions {
  const doc = (value && typeof value === 'object' ? value : {}) as Partial<Permissions>;
  const known = registry().actions;
  const actions = Array.isArray(doc.actions)
    ? doc.actions.filter((a): a is Action => typeof a === 'string' && known.includes(a))
    : [];
  const objects = doc.objects && typeof doc.objects === 'object' ? doc.objects : {};
  return { actions, objects };
}
