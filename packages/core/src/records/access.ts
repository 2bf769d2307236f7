import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { installedRegistry } from '../modules/registry.ts';
import type { ObjectRule, Permissions } from '../roles/permissions.ts';

/** Whoever record data is shown to: a caller, or the role a webhook speaks with (and its creator). */
export interface Reader {
  userId: string | null;
  role: { key?: string; permissions: Permissions };
}

export type RecordAction = 'read' | 'create' | 'update' | 'delete';

/** The caller's rule for an object: its own entry, else the role's `*` entry, else nothing. */
export function ruleFor(principal: Reader, objectKey: string): ObjectRule {
  const objects = principal.role.permissions.objects;
  const rule = objects[objectKey] ??
    objects['*'] ?? { read: false, create: false, update: false, delete: false };
  const kept = installedRegistry()?.keptObjects.get(objectKey);
  if (!kept) return rule;
  // A module's kept records are read through the engine, never written through it, whatever the role says; those
  // figured from another object's fields are read only by who may read those fields, and by one limited to their
  // own records there only as their own here.
  const from = kept.readsFrom;
  const source = from ? ruleFor(principal, from.object) : undefined;
  const read =
    rule.read && (!from || (source!.read && !from.fields.some((f) => source!.hiddenFields?.includes(f))));
  const ownRecordsOnly = Boolean(rule.ownRecordsOnly || source?.ownRecordsOnly);
  return { ...rule, read, ownRecordsOnly, create: false, update: false, delete: false };
}

/** The module keeping an object's records (`ObjectDef.keptBy`), if one does. */
export function keeperOf(objectKey: string): string | undefined {
  return installedRegistry()?.keptObjects.get(objectKey)?.module;
}

/** Throws `forbidden` unless the caller's role allows the action on the object. */
export function assertAllowed(principal: Principal, objectKey: string, action: RecordAction): ObjectRule {
  const rule = ruleFor(principal, objectKey);
  if (!rule[action]) {
    const keeper = action === 'read' ? undefined : keeperOf(objectKey);
    throw new AppError(
      'forbidden',
      keeper
        ? `${objectKey} are kept by the ${keeper} module: they are read here, not written.`
        : `Your role (${principal.role.key}) may not ${action} ${objectKey}.`,
    );
  }
  return rule;
}

/** A predicate telling whether a field is hidden from the caller. */
export function hiddenFor(principal: Reader) {
  return (objectKey: string, fieldKey: string) =>
    ruleFor(principal, objectKey).hiddenFields?.includes(fieldKey) ?? false;
}

/** The owner the caller is limited to under "own records only", if that applies. */
export function ownerLimit(principal: Reader, rule: ObjectRule): string | null | undefined {
  if (!rule.ownRecordsOnly) return undefined;
  return principal.userId; // null for an API key: it owns nothing, so it sees nothing
}
