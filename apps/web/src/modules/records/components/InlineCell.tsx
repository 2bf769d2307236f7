import { Box } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import { type FieldDef, label, type ObjectDef } from '../../metadata/utils/metadata.ts';
import { recordKeys } from '../utils/record-keys.ts';
import { FieldInput } from './FieldInput.tsx';
import { type ExpandedRef, FieldValue } from './FieldValue.tsx';

/** Field types a list cell edits in place. */
const INLINE = new Set(['text', 'number', 'email', 'url', 'select', 'rating', 'boolean', 'user', 'date']);

/** A list cell: its value, edited in place with a double click, or Enter or F2 from the keyboard. */
export function InlineCell({
  object,
  field,
  record,
}: {
  object: ObjectDef;
  field: FieldDef;
  record: RecordData;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState<unknown>(record[field.key]);
  const [error, setError] = useState<string | undefined>();
  const qc = useQueryClient();
  const { t, i18n } = useTranslation();
  // A module's kept records (NPS surveys) are read here, never edited.
  const editable = INLINE.has(field.type) && !field.readOnly && !object.keptBy;
  const edit = () => {
    setValue(record[field.key]);
    setEditing(true);
  };
  // The editor takes the focus when it opens and gives it back to the cell when it closes.
  const cellRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<HTMLDivElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (editing) editorRef.current?.querySelector<HTMLElement>('input:not([type=hidden]), textarea')?.focus();
    else if (opened.current) cellRef.current?.focus();
    opened.current = editing;
  }, [editing]);
  if (!editing || !editable)
    return (
      <Box
        ref={cellRef}
        onDoubleClick={editable ? edit : undefined}
        // From the keyboard: Tab to the cell, Enter or F2 to edit it, Enter to save, Escape to cancel.
        tabIndex={editable ? 0 : undefined}
        title={
          editable ? `${label(field.labels, i18n.language as Locale)}: ${t('list.editCell')}` : undefined
        }
        onKeyDown={(e) => {
          if (editable && (e.key === 'Enter' || e.key === 'F2')) {
            e.preventDefault();
            edit();
          }
        }}
        style={{ overflow: 'hidden', whiteSpace: 'nowrap', textOverflow: 'ellipsis' }}
      >
        <FieldValue
          field={field}
          value={record[field.key]}
          record={{ objectKey: object.key, id: record.id }}
          expanded={
            (record._expanded as Record<string, ExpandedRef | ExpandedRef[] | null> | undefined)?.[field.key]
          }
        />
      </Box>
    );
  const save = async (v: unknown) => {
    try {
      await call(
        client.PATCH('/api/v1/objects/{object}/{id}', {
          params: { path: { object: object.key, id: record.id } },
          body: { [field.key]: v },
        }),
      );
      setEditing(false);
      await qc.invalidateQueries({ queryKey: recordKeys.lists(object.key) });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Box
      ref={editorRef}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setEditing(false);
        if (e.key === 'Enter') void save(value);
      }}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node)) void save(value);
      }}
    >
      <FieldInput
        field={field}
        hideLabel
        value={value}
        onChange={(v) => {
          setValue(v);
          if (
            field.type === 'select' ||
            field.type === 'boolean' ||
            field.type === 'user' ||
            field.type === 'date' ||
            field.type === 'rating'
          )
            void save(v);
        }}
        error={error}
      />
    </Box>
  );
}
