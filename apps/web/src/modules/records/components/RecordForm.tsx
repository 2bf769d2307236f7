import { Button, Group, SimpleGrid, Stack } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client, type RecordData } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { type ObjectDef, visibleFields } from '../../metadata/utils/metadata.ts';
import { FieldInput } from './FieldInput.tsx';

/** A create or edit form generated from the object's metadata. Sends only what changed. */
export function RecordForm({
  object,
  record,
  initial,
  onSaved,
  onCancel,
}: {
  object: ObjectDef;
  record?: RecordData | undefined;
  initial?: Record<string, unknown>;
  onSaved: (record: RecordData) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<string, unknown>>(() => ({ ...(record ?? initial ?? {}) }));
  const [changed, setChanged] = useState<Set<string>>(() => new Set(Object.keys(initial ?? {})));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = visibleFields(object).filter((f) => !f.readOnly);
  const problem = (key: string) =>
    error instanceof ApiError
      ? error.errors.find((e) => e.field.split('.').pop() === key)?.message
      : undefined;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = Object.fromEntries([...changed].map((k) => [k, values[k] ?? null]));
    try {
      const saved = record
        ? await call(
            client.PATCH('/api/v1/objects/{object}/{id}', {
              params: { path: { object: object.key, id: record.id } },
              body,
            }),
          )
        : await call(
            client.POST('/api/v1/objects/{object}', { params: { path: { object: object.key } }, body }),
          );
      onSaved(saved as RecordData);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {fields.map((f) => (
            <div key={f.key} data-field={f.key}>
              <FieldInput
                field={f}
                value={values[f.key]}
                error={problem(f.key)}
                form={{ object, values }}
                onChange={(v) => {
                  setValues((old) => ({ ...old, [f.key]: v }));
                  setChanged((old) => new Set(old).add(f.key));
                }}
              />
            </div>
          ))}
        </SimpleGrid>
        <ErrorText error={error} />
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              {t('record.cancel')}
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {t('record.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
