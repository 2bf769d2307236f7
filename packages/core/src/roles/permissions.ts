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

const NO_RULE: ObjectRule = { read: false, create: false, update: false, delete: false };
const RECORD_ACTIONS = ['read', 'create', 'update', 'delete'] as const;

const effectiveRule = (permissions: Permissions, objectKey: string): ObjectRule =>
  permissions.objects[objectKey] ?? permissions.objects['*'] ?? NO_RULE;

/**
 * What `granted` allows that `holder` does not, as short phrases (`apiKeys.manage`, `deals.delete`,
 * `people: every owner's records`, `people.salary: visible`); empty when `granted` is within `holder`. Objects
 * neither document names fall back to `*` in both, so comparing every named object and `*` covers all.
 */
export function grantsBeyond(granted: Permissions, holder: Permissions): string[] {
  const beyond = granted.actions.filter((a) => !holder.actions.includes(a));
  const objectKeys = new Set(['*', ...Object.keys(granted.objects), ...Object.keys(holder.objects)]);
  for (const key of objectKeys) {
    const g = effectiveRule(granted, key);
    const h = effectiveRule(holder, key);
    const touches = RECORD_ACTIONS.some((a) => g[a]);
    for (const action of RECORD_ACTIONS) if (g[action] && !h[action]) beyond.push(`${key}.${action}`);
    if (h.ownRecordsOnly && !g.ownRecordsOnly && touches) beyond.push(`${key}: every owner's records`);
    const hidden = new Set(g.hiddenFields ?? []);
    const readOnly = new Set([...(g.readOnlyFields ?? []), ...hidden]);
    for (const field of h.hiddenFields ?? [])
      if (touches && !hidden.has(field)) beyond.push(`${key}.${field}: visible`);
    for (const field of h.readOnlyFields ?? [])
      if ((g.create || g.update) && !readOnly.has(field)) beyond.push(`${key}.${field}: writable`);
  }
  return beyond;
}
