import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { leadsKeys, STRATEGIES, type Strategy } from '../utils/leads-keys.ts';

const isStrategy = (value: unknown): value is Strategy => STRATEGIES.includes(value as Strategy);
const LEVELS = ['postalCode', 'city', 'region', 'country', 'industry'] as const;

/** The territory part of a reason's detail (`{ level, value }`), when it is one. */
function territoryPart(value: unknown): { level: (typeof LEVELS)[number]; value: string } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { level, value: text } = value as Record<string, unknown>;
  const known = LEVELS.find((l) => l === level);
  return known && typeof text === 'string' ? { level: known, value: text } : undefined;
}

/** The re-assignment part of a reason's detail (`{ hours, business }`), when it is one. */
function reassignedPart(value: unknown): { hours: number; business: boolean } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { hours, business } = value as Record<string, unknown>;
  return typeof hours === 'number' ? { hours, business: business === true } : undefined;
}

/**
 * Why the lead has its owner ("round robin in Tehran team; Omid away; Sara at capacity"), in the user's language.
 */
export function AssignmentReason({ leadId }: { leadId: string }) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const query = useQuery({
    queryKey: leadsKeys.assignment(leadId),
    queryFn: async () =>
      (await call(client.GET('/api/v1/leads/{id}/assignment', { params: { path: { id: leadId } } })))
        .assignment,
  });
  const a = query.data;
  if (!a) return null;
  const { strategy, rule, away, atCapacity, territory, reassigned } = a.detail;
  const namesOf = (value: unknown) =>
    Array.isArray(value) ? value.filter((n): n is string => typeof n === 'string') : [];
  const list = (names: string[]) => new Intl.ListFormat(i18n.language, { type: 'conjunction' }).format(names);
  const names = namesOf(away);
  const full = namesOf(atCapacity);
  const place = territoryPart(territory);
  const again = reassignedPart(reassigned);
  const how = place
    ? t('leads.reasonTerritory', {
        value: place.value,
        level: t(`leads.levels.${place.level}`),
        rule: String(rule ?? ''),
      })
    : t('leads.reason', {
        strategy: t(`leads.strategies.${strategy as Strategy}`),
        rule: String(rule ?? ''),
      });
  const text = isStrategy(strategy)
    ? (again
        ? t(again.business ? 'leads.reasonReassignedBusiness' : 'leads.reasonReassigned', {
            count: again.hours,
            hours: formatNumber(again.hours, prefs),
          })
        : '') +
      how +
      (names.length > 0 ? t('leads.reasonAway', { names: list(names) }) : '') +
      (full.length > 0 ? t('leads.reasonAtCapacity', { names: list(full) }) : '')
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
