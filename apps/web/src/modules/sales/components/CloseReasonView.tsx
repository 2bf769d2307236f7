import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import type { FieldViewProps } from '../../web-module.ts';
import { historyKeys, reasonLabel } from '../utils/history-keys.ts';

/** A deal's win or loss reason by its label in the user's language (archived reasons too), not its id. */
export default function CloseReasonView({ value }: FieldViewProps) {
  const { i18n } = useTranslation();
  const reasons = useQuery({
    queryKey: historyKeys.reasons(true),
    queryFn: async () =>
      (await call(client.GET('/api/v1/sales/reasons', { params: { query: { includeArchived: 'true' } } })))
        .data,
    staleTime: 60_000,
  });
  const reason = reasons.data?.find((r) => r.id === value);
  return (
    <Text span size="sm" data-testid="close-reason-view">
      {reason ? reasonLabel(reason, i18n.language as Locale) : ''}
    </Text>
  );
}
