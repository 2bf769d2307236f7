import { Badge, Group, Loader, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import type { FieldViewProps } from '../../web-module.ts';
import { leadsKeys } from '../utils/leads-keys.ts';

type Reason = components['schemas']['ScoreReason'];

/** A score's colour: warmer as it rises. */
const colorOf = (score: number) =>
  score >= 50 ? 'red' : score >= 20 ? 'orange' : score > 0 ? 'blue' : 'gray';

/**
 * The lead's score as a badge in the user's digits; pressing it opens the reasons (each rule and its points,
 * when, and for activity points how they decayed), read from the server when first opened.
 */
export default function ScoreBadge({ value, recordId }: FieldViewProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [opened, setOpened] = useState(false);
  const score = Number(value);
  return (
    <Popover opened={opened} onChange={setOpened} width={320} position="bottom-start" shadow="md" withArrow>
      <Popover.Target>
        <UnstyledButton
          onClick={(e) => {
            // Inside a list row: open the reasons, not the record.
            e.stopPropagation();
            e.preventDefault();
            setOpened((o) => !o);
          }}
          aria-label={t('scoring.whyScore', { score: formatNumber(score, prefs) })}
          data-testid="lead-score"
        >
          <Badge color={colorOf(score)} variant="light" style={{ cursor: 'pointer' }}>
            {formatNumber(score, prefs)}
          </Badge>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown onClick={(e) => e.stopPropagation()}>
        {opened && <ScoreReasons leadId={recordId} />}
      </Popover.Dropdown>
    </Popover>
  );
}

/** The reasons for a lead's score, largest first, as the server lets this user see them. */
export function ScoreReasons({ leadId }: { leadId: string }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const query = useQuery({
    queryKey: leadsKeys.score(leadId),
    queryFn: async () => call(client.GET('/api/v1/leads/{id}/score', { params: { path: { id: leadId } } })),
  });
  if (query.isLoading) return <Loader size="sm" />;
  if (query.error) return <ErrorText error={query.error} />;
  const data = query.data;
  if (!data || data.score === null || data.reasons.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('scoring.noReasons')}
      </Text>
    );
  const reasons = [...data.reasons].sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  return (
    <Stack gap={6} data-testid="score-reasons">
      <Text size="sm" fw={600}>
        {t('scoring.reasonsTitle', { score: formatNumber(data.score, prefs) })}
      </Text>
      {reasons.map((r, i) => (
        <ReasonRow key={`${r.ruleId ?? 'withheld'}-${i}`} reason={r} />
      ))}
    </Stack>
  );
}

function ReasonRow({ reason }: { reason: Reason }) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const activities = useObject('activities');
  const locale = i18n.language as Locale;
  const points = `${reason.points > 0 ? '+' : ''}${formatNumber(reason.points, prefs)}`;
  let text: string;
  let detail: string | undefined;
  if (reason.kind === 'withheld') {
    text = t('scoring.withheld', { n: formatNumber(reason.count ?? 1, prefs) });
  } else if (reason.kind === 'activity') {
    const option = activities?.fields
      .find((f) => f.key === 'type')
      ?.options?.find((o) => o.value === reason.activityType);
    const kind = option ? label(option.labels, locale) : (reason.activityType ?? '');
    const count = reason.activityIds?.length ?? 1;
    text =
      count > 1
        ? t('scoring.activities', { rule: reason.rule, kind, n: formatNumber(count, prefs) })
        : `${reason.rule} · ${kind}`;
    const when = formatDateTime(reason.at, prefs);
    detail =
      reason.halfLifeDays && reason.basePoints !== undefined
        ? t('scoring.decayedFrom', {
            when,
            base: formatNumber(reason.basePoints, prefs),
            days: formatNumber(reason.halfLifeDays, prefs),
          })
        : when;
  } else {
    text = reason.rule ?? '';
  }
  return (
    <Group justify="space-between" wrap="nowrap" gap="xs" align="flex-start">
      <div>
        <Text size="sm">{text}</Text>
        {detail && (
          <Text size="xs" c="dimmed">
            {detail}
          </Text>
        )}
      </div>
      <Text size="sm" fw={600} c={reason.points < 0 ? 'red.8' : undefined} style={{ whiteSpace: 'nowrap' }}>
        <bdi>{points}</bdi>
      </Text>
    </Group>
  );
}
