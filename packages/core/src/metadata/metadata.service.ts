import { type Tx, workspaceSettingsChanged, workspaceSettingsChangedHere } from '@rabita/db';
import type { FieldType, Labels, SelectOption } from '@rabita/shared';
import { sql } from 'kysely';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { registry } from '../modules/registry.ts';
import { purgeFieldValues } from '../records/field-values.repository.ts';
import { checkValue } from '../records/values.ts';
import { requestReindex } from '../search/request-reindex.ts';
import type { FieldDef, ObjectDef } from './metadata.types.ts';
import { systemFields } from './standard-objects.ts';

interface CustomFieldSettings {
  options?: SelectOption[];
  relation?: { object: string; many: boolean };
  currency?: string;
  maxLength?: number;
}

/** The column name of a custom object's title field, or of nothing. */
function customFieldDef(row: {
  id: string;
  key: string;
  type: string;
  labels: unknown;
  required: boolean;
  isUnique: boolean;
  defaultValue: unknown;
  settings: unknown;
  searchable: boolean;
}): FieldDef {
  const settings = (row.settings ?? {}) as CustomFieldSettings;
  return {
    id: row.id,
    key: row.key,
    type: row.type as FieldType,
    labels: row.labels as Labels,
    custom: true,
    required: row.required,
    unique: row.isUnique,
    defaultValue: row.defaultValue ?? undefined,
    options: settings.options,
    relation: settings.relation,
    currency: settings.currency,
    maxLength: settings.maxLength,
    searchable: row.searchable,
  };
}

// Objects by workspace, tagged with the workspace's metadata_version when they were read. Entries are never
// mutated; a changed version simply misses.
const cache = new Map<string, { version: string; objects: ObjectDef[] }>();
const CACHE_LIMIT = 2_000;

/** Marks a workspace's metadata as changed, so every process reloads it on its next request. */
export async function bumpMetadataVersion(trx: Tx, workspaceId: string): Promise<void> {
  workspaceSettingsChanged(workspaceId);
  await trx
    .updateTable('workspaces')
    .set({ metadataVersion: sql`metadata_version + 1` })
    .where('id', '=', workspaceId)
    .execute();
}

/**
 * Every object of a workspace with all its fields: the standard objects (with admin-added options and
 * custom fields) followed by the custom objects. Runs inside the caller's workspace transaction. With the
 * workspace's current `metadata_version`, a cached copy is used when it is still current.
 */
export async function loadObjects(trx: Tx, workspaceId: string, version?: string): Promise<ObjectDef[]> {
  // A transaction that changed the metadata reads its own, uncommitted, copy: never kept, since it may roll back.
  if (version !== undefined && !workspaceSettingsChangedHere(workspaceId)) {
    const hit = cache.get(workspaceId);
    if (hit?.version === version) return hit.objects;
    const objects = await readObjects(trx, workspaceId);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(workspaceId, { version, objects });
    return objects;
  }
  return readObjects(trx, workspaceId);
}

async function readObjects(trx: Tx, workspaceId: string): Promise<ObjectDef[]> {
  const [customObjects, customFields, fieldOptions] = await Promise.all([
    trx
      .selectFrom('customObjects')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('customFields')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('position')
      .orderBy('id')
      .execute(),
    trx.selectFrom('fieldOptions').selectAll().where('workspaceId', '=', workspaceId).execute(),
  ]);
  const extraOptions = new Map(
    fieldOptions.map((o) => [`${o.objectKey}.${o.fieldKey}`, o.options as unknown as SelectOption[]]),
  );
  const fieldsOf = (objectKey: string) =>
    customFields.filter((f) => f.objectKey === objectKey).map(customFieldDef);

  const standard = registry().objects.map((object) => ({
    ...object,
    fields: [
      ...systemFields(),
      ...object.fields.map((f) => {
        const extra = extraOptions.get(`${object.key}.${f.key}`);
        return extra ? { ...f, options: [...(f.options ?? []), ...extra] } : f;
      }),
      ...fieldsOf(object.key),
    ],
  }));
  const custom = customObjects.map(
    (o): ObjectDef => ({
      key: o.key,
      id: o.id,
      labels: o.labels as unknown as ObjectDef['labels'],
      custom: true,
      table: 'records',
      titleFields: o.titleField ? [o.titleField] : [],
      fields: [
        ...systemFields(),
        {
          key: 'owner',
          column: 'owner_id',
          labels: { en: 'Owner', ar: 'المسؤول', fa: 'مسئول' },
          type: 'user',
          custom: false,
          required: false,
          unique: false,
          searchable: false,
        },
        ...fieldsOf(o.key),
      ],
    }),
  );
  return [...standard, ...custom];
}

/** One object by key, or `not_found` naming it. */
export async function loadObject(trx: Tx, workspaceId: string, key: string): Promise<ObjectDef> {
  const object = (await loadObjects(trx, workspaceId)).find((o) => o.key === key);
  if (!object) throw new AppError('not_found', `There is no object "${key}".`);
  return object;
}

const KEY = /^[a-z][a-zA-Z0-9]{0,62}$/;

function invalidField(field: string, message: string): never {
  throw new AppError('validation_failed', message, { errors: [{ field, message }] });
}

export interface NewObject {
  key: string;
  labels: ObjectDef['labels'];
  titleField?: string | undefined;
}

/** Creates a custom object; it gets a `name` text field as its title unless told otherwise. */
export async function createCustomObject(trx: Tx, workspaceId: string, input: NewObject): Promise<ObjectDef> {
  if (!KEY.test(input.key))
    invalidField('key', 'Must start with a lower-case letter and hold only letters and digits (camelCase).');
  const existing = await loadObjects(trx, workspaceId);
  if (existing.some((o) => o.key === input.key))
    throw new AppError('conflict', `An object "${input.key}" already exists.`);
  const id = newId();
  await trx
    .insertInto('customObjects')
    .values({
      workspaceId,
      id,
      key: input.key,
      labels: JSON.stringify(input.labels),
      titleField: input.titleField ?? 'name',
    })
    .execute();
  await bumpMetadataVersion(trx, workspaceId);
  if (!input.titleField) {
    await insertCustomField(trx, workspaceId, input.key, {
      key: 'name',
      type: 'text',
      labels: { en: 'Name', ar: 'الاسم', fa: 'نام' },
      required: true,
      searchable: true,
    });
  }
  return loadObject(trx, workspaceId, input.key);
}

export interface NewField {
  key: string;
  type: FieldType;
  labels: Labels;
  required?: boolean | undefined;
  unique?: boolean | undefined;
  defaultValue?: unknown;
  options?: SelectOption[] | undefined;
  relation?: { object: string; many: boolean } | undefined;
  currency?: string | undefined;
  maxLength?: number | undefined;
  searchable?: boolean | undefined;
}

async function insertCustomField(trx: Tx, workspaceId: string, objectKey: string, input: NewField) {
  const { count } = await trx
    .selectFrom('customFields')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('workspaceId', '=', workspaceId)
    .where('objectKey', '=', objectKey)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('customFields')
    .values({
      workspaceId,
      id: newId(),
      objectKey,
      key: input.key,
      type: input.type,
      labels: JSON.stringify(input.labels),
      required: input.required ?? false,
      isUnique: input.unique ?? false,
      defaultValue: input.defaultValue === undefined ? null : JSON.stringify(input.defaultValue),
      settings: JSON.stringify({
        ...(input.options ? { options: input.options } : {}),
        ...(input.relation ? { relation: input.relation } : {}),
        ...(input.currency ? { currency: input.currency } : {}),
        ...(input.maxLength ? { maxLength: input.maxLength } : {}),
      }),
      searchable: input.searchable ?? ['text', 'longText', 'email', 'phone', 'url'].includes(input.type),
      position: Number(count),
    })
    .execute();
}

/** Adds a custom field to any object; it is usable at once in validation, filters, search and the API. */
export async function createCustomField(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  input: NewField,
): Promise<FieldDef> {
  const objects = await loadObjects(trx, workspaceId);
  const object = objects.find((o) => o.key === objectKey);
  if (!object) throw new AppError('not_found', `There is no object "${objectKey}".`);
  if (object.keptBy)
    throw new AppError(
      'conflict',
      `${objectKey} are kept by the ${object.keptBy} module: a field nobody could write is not added.`,
    );
  if (!KEY.test(input.key))
    invalidField('key', 'Must start with a lower-case letter and hold only letters and digits (camelCase).');
  if (object.fields.some((f) => f.key === input.key))
    throw new AppError('conflict', `${objectKey} already has a field "${input.key}".`);
  if ((input.type === 'select' || input.type === 'multiSelect') && !input.options?.length) {
    invalidField('options', 'A select field needs at least one option.');
  }
  if (input.options && new Set(input.options.map((o) => o.value)).size !== input.options.length) {
    invalidField('options', 'Option values must be unique.');
  }
  if (input.type === 'relation') {
    if (!input.relation) invalidField('relation', 'A relation field names its target object.');
    if (!objects.some((o) => o.key === input.relation?.object))
      invalidField('relation.object', `There is no object "${input.relation.object}".`);
  }
  // Values a field of this key left behind when it was deleted before deletion purged them.
  await purgeFieldValues(trx, workspaceId, object, input.key);
  await insertCustomField(trx, workspaceId, objectKey, input);
  await bumpMetadataVersion(trx, workspaceId);
  const created = (await loadObject(trx, workspaceId, objectKey)).fields.find((f) => f.key === input.key)!;
  if (input.defaultValue !== undefined && input.defaultValue !== null) {
    const checked = checkValue(created, input.defaultValue, { defaultCountry: 'US', defaultCurrency: 'USD' });
    if (!checked.ok) invalidField('defaultValue', checked.message);
  }
  return created;
}

export interface FieldPatch {
  labels?: Labels | undefined;
  required?: boolean | undefined;
  options?: SelectOption[] | undefined;
  searchable?: boolean | undefined;
}

/** Changes a custom field's labels, options, required flag or searchability; or adds options to a standard select. */
export async function updateField(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  fieldKey: string,
  patch: FieldPatch,
): Promise<FieldDef> {
  const object = await loadObject(trx, workspaceId, objectKey);
  const field = object.fields.find((f) => f.key === fieldKey);
  if (!field) throw new AppError('not_found', `${objectKey} has no field "${fieldKey}".`);
  if (!field.custom) {
    const standard = registry()
      .objects.find((o) => o.key === objectKey)
      ?.fields.find((f) => f.key === fieldKey);
    if (!patch.options || Object.keys(patch).length !== 1 || !standard?.options) {
      throw new AppError(
        'forbidden',
        'Standard fields are fixed; only options can be added to their select fields.',
      );
    }
    const builtIn = new Set(standard.options.map((o) => o.value));
    const extra = patch.options.filter((o) => !builtIn.has(o.value));
    await trx
      .insertInto('fieldOptions')
      .values({ workspaceId, objectKey, fieldKey, options: JSON.stringify(extra) })
      .onConflict((oc) =>
        oc.columns(['workspaceId', 'objectKey', 'fieldKey']).doUpdateSet({ options: JSON.stringify(extra) }),
      )
      .execute();
  } else {
    const row = await trx
      .selectFrom('customFields')
      .select('settings')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', field.id!)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('customFields')
      .set({
        ...(patch.labels ? { labels: JSON.stringify(patch.labels) } : {}),
        ...(patch.required !== undefined ? { required: patch.required } : {}),
        ...(patch.searchable !== undefined ? { searchable: patch.searchable } : {}),
        ...(patch.options
          ? { settings: JSON.stringify({ ...(row.settings as object), options: patch.options }) }
          : {}),
        updatedAt: new Date(),
      })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', field.id!)
      .execute();
    if (patch.searchable !== undefined && patch.searchable !== field.searchable)
      await requestReindex(trx, workspaceId, objectKey);
  }
  await bumpMetadataVersion(trx, workspaceId);
  return (await loadObject(trx, workspaceId, objectKey)).fields.find((f) => f.key === fieldKey)!;
}

/** Removes a custom field and every value stored for it, so the key can later be re-created empty. */
export async function deleteField(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  fieldKey: string,
): Promise<void> {
  const object = await loadObject(trx, workspaceId, objectKey);
  const field = object.fields.find((f) => f.key === fieldKey);
  if (!field) throw new AppError('not_found', `${objectKey} has no field "${fieldKey}".`);
  if (!field.custom) throw new AppError('forbidden', 'Standard fields cannot be removed.');
  if (object.custom && object.titleFields.includes(fieldKey))
    throw new AppError('conflict', 'The title field of an object cannot be removed.');
  await trx
    .deleteFrom('customFields')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', field.id!)
    .execute();
  await purgeFieldValues(trx, workspaceId, object, fieldKey);
  if (field.searchable) await requestReindex(trx, workspaceId, objectKey);
  await bumpMetadataVersion(trx, workspaceId);
}

/** Removes a custom object and all its records. */
export async function deleteCustomObject(trx: Tx, workspaceId: string, objectKey: string): Promise<void> {
  const object = await loadObject(trx, workspaceId, objectKey);
  if (!object.custom) throw new AppError('forbidden', 'Standard objects cannot be removed.');
  await trx
    .deleteFrom('customFields')
    .where('workspaceId', '=', workspaceId)
    .where('objectKey', '=', objectKey)
    .execute();
  await trx
    .deleteFrom('searchDocuments')
    .where('workspaceId', '=', workspaceId)
    .where('objectKey', '=', objectKey)
    .execute();
  await trx
    .deleteFrom('customObjects')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', object.id!)
    .execute();
  await bumpMetadataVersion(trx, workspaceId);
}

/** Renames a custom object (its labels) or changes its title field. */
export async function updateCustomObject(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  patch: { labels?: ObjectDef['labels'] | undefined; titleField?: string | undefined },
): Promise<ObjectDef> {
  const object = await loadObject(trx, workspaceId, objectKey);
  if (!object.custom) throw new AppError('forbidden', 'Standard objects cannot be renamed.');
  if (patch.titleField && !object.fields.some((f) => f.key === patch.titleField)) {
    invalidField('titleField', `${objectKey} has no field "${patch.titleField}".`);
  }
  await trx
    .updateTable('customObjects')
    .set({
      ...(patch.labels ? { labels: JSON.stringify(patch.labels) } : {}),
      ...(patch.titleField ? { titleField: patch.titleField } : {}),
      updatedAt: new Date(),
    })
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', object.id!)
    .execute();
  if (patch.titleField && !object.titleFields.includes(patch.titleField))
    await requestReindex(trx, workspaceId, objectKey);
  await bumpMetadataVersion(trx, workspaceId);
  return loadObject(trx, workspaceId, objectKey);
}

/** Every object of the caller's workspace with its fields (the caller's view of them is the gate's business). */
export const listObjectDefs = (ctx: ServiceContext) => inWorkspace(ctx, (trx, ws) => loadObjects(trx, ws));
export const addCustomObject = (ctx: ServiceContext, input: NewObject) =>
  inWorkspace(ctx, (trx, ws) => createCustomObject(trx, ws, input));
export const changeCustomObject = (
  ctx: ServiceContext,
  key: string,
  patch: Parameters<typeof updateCustomObject>[3],
) => inWorkspace(ctx, (trx, ws) => updateCustomObject(trx, ws, key, patch));
export const removeCustomObject = (ctx: ServiceContext, key: string) =>
  inWorkspace(ctx, (trx, ws) => deleteCustomObject(trx, ws, key));
export const addCustomField = (ctx: ServiceContext, objectKey: string, input: NewField) =>
  inWorkspace(ctx, (trx, ws) => createCustomField(trx, ws, objectKey, input));
export const changeField = (ctx: ServiceContext, objectKey: string, fieldKey: string, patch: FieldPatch) =>
  inWorkspace(ctx, (trx, ws) => updateField(trx, ws, objectKey, fieldKey, patch));
export const removeField = (ctx: ServiceContext, objectKey: string, fieldKey: string) =>
  inWorkspace(ctx, (trx, ws) => deleteField(trx, ws, objectKey, fieldKey));
