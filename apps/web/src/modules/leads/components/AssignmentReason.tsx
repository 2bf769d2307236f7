import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { leadsKeys, STRATEGIES, type Strategy } from '../utils/leads-keys.ts';

const isStrategy = (value: unknown): value is Strategy => STRATEGIES.includes(value as Strategy);

/** Why the lead has its owner ("round robin in Tehran team; Sara was away"), in the user's language. */
export function AssignmentReason({ leadId }: { leadId: string }) {
  const { t, i18n } = useTranslation();
  const query = useQuery({
    queryKey: leadsKeys.assignment(leadId),
    queryFn: async () =>
      (await call(client.GET('/api/v1/leads/{id}/assignment', { params: { path: { id: leadId } } })))
        .assignment,
  });
  const a = query.data;
  if (!a) return null;
  const { strategy, rule, away } = a.detail;
  const names = Array.isArray(away) ? away.filter((n): n is string => typeof n === 'string') : [];
  const text = isStrategy(strategy)
    ? t('leads.reason', { strategy: t(`leads.strategies.${strategy}`), rule: String(rule ?? '') }) +
      (names.length > 0
        ? t('leads.reasonAway', {
            names: new Intl.ListFormat(i18n.language, { type: 'conjunction' }).format(names),
          })
        : '')
    : a.reason;
  return (
    <div data-testid="assignment-reason">
      <Text fw={600} size="sm" component="h3">
        {t('leads.assignedBy')}
      </Text>
      <Text size="sm">{text}</Text>
    </div>
  );
}
