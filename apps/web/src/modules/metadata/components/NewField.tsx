import { Button, Checkbox, Group, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { label, type ObjectDef } from '../utils/metadata.ts';
import { metadataKeys } from '../utils/metadata-keys.ts';

const FIELD_TYPES = [
  'text',
  'longText',
  'number',
  'money',
  'date',
  'dateTime',
  'boolean',
  'select',
  'multiSelect',
  'email',
  'phone',
  'url',
  'relation',
  'rating',
  'file',
] as const;

/** Adds a custom field to an object. */
export function NewField({ object, objects }: { object: ObjectDef; objects: ObjectDef[] }) {
  const { t, i18n } = useTranslation();
  const { error, busy, run } = useAction();
  const empty = {
    key: '',
    type: 'text',
    en: '',
    ar: '',
    fa: '',
    options: '',
    relation: 'people',
    many: false,
    required: false,
    unique: false,
    searchable: false,
  };
  const [f, setF] = useState(empty);
  const submit = async () => {
    const options = f.options
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => ({
        value:
          line
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '_')
            .replace(/^_|_$/g, '') || `o${Math.random().toString(36).slice(2, 7)}`,
        labels: { en: line },
      }));
    const body = {
      key: f.key,
      type: f.type as (typeof FIELD_TYPES)[number],
      labels: { en: f.en, ...(f.ar ? { ar: f.ar } : {}), ...(f.fa ? { fa: f.fa } : {}) },
      required: f.required,
      unique: f.unique,
      searchable: f.searchable,
      ...(f.type === 'select' || f.type === 'multiSelect' ? { options } : {}),
      ...(f.type === 'relation' ? { relation: { object: f.relation, many: f.many } } : {}),
    };
    if (
      await run(
        () =>
          call(
            client.POST('/api/v1/metadata/objects/{object}/fields', {
              params: { path: { object: object.key } },
              body,
            }),
          ),
        [metadataKeys.objects],
      )
    )
      setF(empty);
  };
  return (
    <Stack gap="xs" data-testid="new-field">
      <Text fw={600} size="sm">
        {t('settings.newField')}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label={t('settings.key')}
          value={f.key}
          onChange={(e) => setF({ ...f, key: e.currentTarget.value })}
          required
          dir="ltr"
        />
        <Select
          label={t('settings.type')}
          data={FIELD_TYPES.map((ty) => ({ value: ty, label: t(`fieldType.${ty}`) }))}
          value={f.type}
          onChange={(v) => setF({ ...f, type: v ?? 'text' })}
        />
        <TextInput
          label={t('settings.labelEn')}
          value={f.en}
          onChange={(e) => setF({ ...f, en: e.currentTarget.value })}
          required
        />
        <TextInput
          label={t('settings.labelAr')}
          value={f.ar}
          onChange={(e) => setF({ ...f, ar: e.currentTarget.value })}
          dir="rtl"
        />
        <TextInput
          label={t('settings.labelFa')}
          value={f.fa}
          onChange={(e) => setF({ ...f, fa: e.currentTarget.value })}
          dir="rtl"
        />
        {(f.type === 'select' || f.type === 'multiSelect') && (
          <Textarea
            label={t('settings.options')}
            value={f.options}
            onChange={(e) => setF({ ...f, options: e.currentTarget.value })}
            autosize
            minRows={2}
          />
        )}
        {f.type === 'relation' && (
          <Group grow>
            <Select
              label={t('settings.relationTo')}
              data={objects.map((o) => ({
                value: o.key,
                label: label(o.labels.plural, i18n.language as Locale),
              }))}
              value={f.relation}
              onChange={(v) => setF({ ...f, relation: v ?? 'people' })}
            />
            <Checkbox
              mt={28}
              label={t('settings.many')}
              checked={f.many}
              onChange={(e) => setF({ ...f, many: e.currentTarget.checked })}
            />
          </Group>
        )}
      </SimpleGrid>
      <Group>
        <Checkbox
          label={t('settings.required')}
          checked={f.required}
          onChange={(e) => setF({ ...f, required: e.currentTarget.checked })}
        />
        <Checkbox
          label={t('settings.unique')}
          checked={f.unique}
          onChange={(e) => setF({ ...f, unique: e.currentTarget.checked })}
        />
        <Checkbox
          label={t('settings.searchable')}
          checked={f.searchable}
          onChange={(e) => setF({ ...f, searchable: e.currentTarget.checked })}
        />
      </Group>
      <ErrorText error={error} />
      <Group>
        <Button onClick={submit} loading={busy}>
          {t('settings.create')}
        </Button>
      </Group>
    </Stack>
  );
}
