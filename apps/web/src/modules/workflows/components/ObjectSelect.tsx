import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';

/** Any object of the workspace, standard or custom, by its name in the user's language. */
export function ObjectSelect({ value, onChange }: { value: string; onChange: (key: string) => void }) {
  const { t, i18n } = useTranslation();
  const objects = useObjects().data ?? [];
  return (
    <Select
      label={t('workflow.object')}
      data={objects.map((o) => ({ value: o.key, label: label(o.labels.plural, i18n.language as Locale) }))}
      value={value || null}
      onChange={(v) => v && onChange(v)}
      searchable
      allowDeselect={false}
    />
  );
}
