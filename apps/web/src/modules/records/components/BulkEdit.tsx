import { Button, Group, Modal, Select, Stack } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { label, type ObjectDef, visibleFields } from '../../metadata/utils/metadata.ts';
import { FieldInput } from './FieldInput.tsx';

/** Sets one field to one value on every selected record. */
export function BulkEdit({
  object,
  ids,
  opened,
  onClose,
  onDone,
}: {
  object: ObjectDef;
  ids: string[];
  opened: boolean;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const [fieldKey, setFieldKey] = useState<string | null>(null);
  const [value, setValue] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = object.fields.find((f) => f.key === fieldKey);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={`${t('list.bulkEdit')} (${t('list.selected', { count: ids.length, n: formatNumber(ids.length, prefs) })})`}
    >
      <Stack>
        <Select
          label={t('list.field')}
          data={visibleFields(object)
            .filter((f) => !f.readOnly && !f.unique)
            .map((f) => ({ value: f.key, label: label(f.labels, i18n.language as Locale) }))}
          value={fieldKey}
          onChange={(v) => {
            setFieldKey(v);
            setValue(null);
          }}
          searchable
        />
        {field && <FieldInput field={field} value={value} onChange={setValue} />}
        <ErrorText error={error} />
        <Group justify="flex-end">
          <Button
            loading={busy}
            disabled={!field}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                for (const id of ids)
                  await call(
                    client.PATCH('/api/v1/objects/{object}/{id}', {
                      params: { path: { object: object.key, id } },
                      body: { [fieldKey as string]: value },
                    }),
                  );
                onDone();
              } catch (e) {
                setError(e);
              } finally {
                setBusy(false);
              }
            }}
          >
            {t('record.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
