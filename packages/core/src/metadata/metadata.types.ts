import type { FieldType, Labels, Locale, SelectOption } from '@rabita/shared';

/** One field of an object, standard or custom, as the engine sees it. */
export interface FieldDef {
  /** API name (camelCase), unique within the object. */
  key: string;
  type: FieldType;
  labels: Labels;
  /** The typed column holding a standard field; custom fields live in the `custom` jsonb column. */
  column?: string | undefined;
  custom: boolean;
  required: boolean;
  unique: boolean;
  defaultValue?: unknown;
  /** Choices of a select, multi-select or tags field. */
  options?: SelectOption[] | undefined;
  /**
   * For a standard select: a stored column the database keeps (a generated column) holding the value's position,
   * from 1, among `of`. Lists sort by it, so an index can hold the order, while the field's options are exactly
   * `of`; with options an admin added, they sort by the position computed from the options instead.
   */
  rank?: { column: string; of: readonly string[] } | undefined;
  /** For relations: the target object and whether several records may be linked. */
  relation?: { object: string; many: boolean } | undefined;
  /** For money: the currency used when a value names none. */
  currency?: string | undefined;
  maxLength?: number | undefined;
  /** Included in the record's search document. */
  searchable: boolean;
  /** Written only by the system (id, timestamps, computed values). */
  readOnly?: boolean | undefined;
  /** Custom fields' metadata row id. */
  id?: string | undefined;
}

/** An object (standard or custom) with all its fields. */
export interface ObjectDef {
  key: string;
  labels: { singular: Labels; plural: Labels };
  custom: boolean;
  /** The table holding its records: a standard table, or `records` for custom objects. */
  table: string;
  /** Custom objects' metadata row id (records.object_id). */
  id?: string | undefined;
  /** Fields whose values, joined, title a record in search and lists. */
  titleFields: string[];
  /**
   * Per interface language, the field that titles a record in that language (pipelines and stages, whose names
   * are translated values); where it is empty the title fields apply.
   */
  localizedTitle?: Partial<Record<Locale, string>> | undefined;
  subtitleField?: string | undefined;
  /** Where a standard object stands among the others (sidebar and metadata order), lowest first. */
  position?: number | undefined;
  fields: FieldDef[];
  /**
   * For a sort by one field, the fields its ties are broken by before the id, in the order an index keeps them
   * after that field (people: `people_name_idx` is last name, first name, id). The list then reads that index in
   * order from either end, instead of sorting every row of the group that ties (the last page of a surname).
   */
  sortTies?: Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * The module that keeps this object's records (a survey's answers, kept by the service desk): the record engine
   * reads them like any object's — lists, filters, reports, exports, the roles' rules — but nobody creates,
   * changes, deletes or imports them through it, whatever their role; the module writes its own table.
   */
  keptBy?: string | undefined;
  /**
   * For kept records figured from another object's (a forecast from deals' amounts): only a reader who may read
   * that object, these fields included, reads these records — a role hiding deals' amounts reads no forecast.
   */
  readsFrom?: { object: string; fields: readonly string[] } | undefined;
}
