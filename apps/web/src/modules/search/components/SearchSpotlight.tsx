import { Spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';
import { searchKeys } from '../utils/search-keys.ts';

/**
 * A hit's subtitle as the user reads it: a select's choice in their language; an id (a deal's stage, an owner)
 * is left out rather than shown raw.
 */
function subtitleText(object: ObjectDef | undefined, value: string | null | undefined, locale: Locale) {
  const field = object?.fields.find((f) => f.key === object.subtitleField);
  if (!value || !field) return value;
  if (field.type === 'relation' || field.type === 'user') return null;
  if (field.type === 'select')
    return label(field.options?.find((o) => o.value === value)?.labels, locale) || value;
  return value;
}

/** Ctrl/Cmd-K: one box over every record the user may read. */
export function SearchSpotlight() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const objects = useObjects().data ?? [];
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(query.trim()), 150);
    return () => window.clearTimeout(id);
  }, [query]);
  const { data } = useQuery({
    queryKey: searchKeys.query(debounced),
    enabled: debounced.length > 0,
    queryFn: async () =>
      (await call(client.GET('/api/v1/search', { params: { query: { q: debounced, limit: 20 } } }))).data,
  });
  const actions: SpotlightActionData[] = (debounced ? (data ?? []) : []).map((hit) => {
    const object = objects.find((o) => o.key === hit.object);
    return {
      id: `${hit.object}:${hit.id}`,
      label: hit.title,
      description: [
        object ? label(object.labels.singular, i18n.language as Locale) : hit.object,
        subtitleText(object, hit.subtitle, i18n.language as Locale),
      ]
        .filter(Boolean)
        .join(' · '),
      onClick: () => void navigate({ to: '/o/$object/$id', params: { object: hit.object, id: hit.id } }),
    };
  });
  return (
    <Spotlight
      actions={actions}
      query={query}
      onQueryChange={setQuery}
      filter={(_q, a) => a}
      shortcut={['mod + K']}
      nothingFound={debounced ? t('nav.nothingFound') : undefined}
      searchProps={{
        leftSection: <IconSearch size={18} />,
        placeholder: t('nav.searchPlaceholder'),
        'aria-label': t('nav.search'),
      }}
      scrollable
      maxHeight={420}
      attributes={{ content: { 'aria-label': t('nav.search') } }}
    />
  );
}
