import type { RoleKey } from '@rabita/shared';

/** Workspace-wide actions a role may be granted. */
export const ACTIONS = [
  'workspace.update',
  'members.read',
  'members.invite',
  'roles.manage',
  'apiKeys.manage',
  'metadata.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

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

/** The roles every new workspace starts with. */
export const DEFAULT_ROLES: Record<RoleKey, { name: string; permissions: Permissions }> = {
  admin: { name: 'Admin', permissions: { actions: [...ACTIONS], objects: { '*': ALL } } },
  manager: { name: 'Manager', permissions: { actions: ['members.read'], objects: { '*': ALL } } },
  member: { name: 'Member', permissions: { actions: ['members.read'], objects: { '*': ALL } } },
  agent: {
    name: 'Agent',
    permissions: { actions: [], objects: { '*': { read: true, create: true, update: true, delete: false } } },
  },
  viewer: {
    name: 'Viewer',
    permissions: {
      actions: [],
      objects: { '*': { read: true, create: false, update: false, delete: false } },
    },
  },
};

/** Reads a stored permissions document defensively: anything unknown grants nothing. */
export function parsePermissions(value: unknown): Permissions {
  const doc = (value && typeof value === 'object' ? value : {}) as Partial<Permissions>;
  const actions = Array.isArray(doc.actions)
    ? doc.actions.filter((a): a is Action => (ACTIONS as readonly string[]).includes(a as string))
    : [];
  const objects = doc.objects && typeof doc.objects === 'object' ? doc.objects : {};
  return { actions, objects };
}
