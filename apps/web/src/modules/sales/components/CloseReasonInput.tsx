import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import type { FieldInputProps } from '../../web-module.ts';
import { historyKeys, reasonLabel } from '../utils/history-keys.ts';

/**
 * A deal's win or loss reason in the record form, chosen by its label in the user's language (the workspace's
 * reasons in use, grouped as win and loss; an archived one a deal already holds stays shown) — not typed as an id.
 */
export default function CloseReasonInput({
  value,
  onChange,
  label,
  hideLabel,
  required,
  error,
}: FieldInputProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const reasons = useQuery({
    queryKey: historyKeys.reasons(true),
    queryFn: async () =>
      (await call(client.GET('/api/v1/sales/reasons', { params: { query: { includeArchived: 'true' } } })))
        .data,
    staleTime: 60_000,
  });
  const shown = (reasons.data ?? []).filter((r) => !r.archived || r.id === value);
  const group = (kind: 'won' | 'lost') => ({
    group: t(kind === 'won' ? 'dealHistory.winReason' : 'dealHistory.lossReason'),
    items: shown.filter((r) => r.kind === kind).map((r) => ({ value: r.id, label: reasonLabel(r, locale) })),
  });
  return (
    <Select
      {...(hideLabel ? { 'aria-label': label } : { label })}
      required={required}
      error={error}
      data={[group('won'), group('lost')].filter((g) => g.items.length > 0)}
      value={typeof value === 'string' ? value : null}
      onChange={(v) => onChange(v)}
      clearable
      searchable
    />
  );
}
