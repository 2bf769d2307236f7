import {
  Badge,
  Button,
  Group,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateInput } from '../../../components/DateInput.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { startOfDayIn } from '../../../lib/zoned.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { fromFilterTree } from '../../leads/utils/rule-condition.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { type FilterState, toFilterTree } from '../../records/utils/filter.ts';
import { npsApi, npsKeys } from '../utils/nps-api.ts';
import { NpsReport } from './NpsReport.tsx';

/** A campaign's first run on a chosen day starts at this hour of the user's time zone (now, when that is past). */
const RUN_HOUR = 9;

/**
 * Settings → NPS surveys: the report, the relationship campaigns (their audience, schedule and how their surveys
 * went; stop one) and a form for a new one: a name, the people to survey (the lists' filter builder on people), the
 * first day and how many months until it runs again.
 */
export default function NpsCampaigns() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const campaigns = useQuery({ queryKey: npsKeys.campaigns, queryFn: npsApi.campaigns });
  const stop = useAction();
  return (
    <Stack>
      <NpsReport />
      <Section title={t('nps.campaigns')}>
        <Stack gap="sm">
          {campaigns.data?.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('nps.noCampaigns')}
            </Text>
          )}
          {!!campaigns.data?.length && (
            <Table.ScrollContainer minWidth={640} type="native">
              <Table withTableBorder data-testid="nps-campaigns">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('nps.name')}</Table.Th>
                    <Table.Th>{t('nps.nextRun')}</Table.Th>
                    <Table.Th>{t('nps.repeat')}</Table.Th>
                    <Table.Th>{t('nps.results')}</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>{t('nps.actions')}</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {campaigns.data.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td dir="auto">{c.name}</Table.Td>
                      <Table.Td>
                        {c.active ? (
                          c.nextRunAt ? (
                            formatDateTime(c.nextRunAt, prefs)
                          ) : (
                            '—'
                          )
                        ) : (
                          <Badge variant="outline" color="gray.8">
                            {t('nps.stopped')}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {c.repeatMonths === null
                          ? t('nps.once')
                          : t('nps.everyMonths', {
                              count: c.repeatMonths,
                              n: formatNumber(c.repeatMonths, prefs),
                            })}
                      </Table.Td>
                      <Table.Td>
                        {t('nps.counts', {
                          sent: formatNumber(c.sent, prefs),
                          answered: formatNumber(c.answered, prefs),
                          skipped: formatNumber(c.skipped, prefs),
                        })}
                      </Table.Td>
                      <Table.Td>
                        {c.active && (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red.8"
                            loading={stop.busy}
                            aria-label={t('nps.stopNamed', { name: c.name })}
                            onClick={() =>
                              void stop.run(() => npsApi.stopCampaign(c.id), [npsKeys.campaigns])
                            }
                          >
                            {t('nps.stop')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <ErrorText error={campaigns.error ?? stop.error} />
        </Stack>
      </Section>
      <CampaignForm />
    </Stack>
  );
}

/** A new relationship campaign. */
function CampaignForm() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const people = useObject('people');
  const [name, setName] = useState('');
  const [audience, setAudience] = useState<FilterState>(fromFilterTree(null));
  const [day, setDay] = useState<string | null>(null);
  const [repeat, setRepeat] = useState<number | null>(6);
  const action = useAction();
  const create = () =>
    action.run(async () => {
      const at = day
        ? new Date(startOfDayIn(day, prefs.timeZone)).getTime() + RUN_HOUR * 3_600_000
        : Date.now();
      await npsApi.createCampaign({
        name,
        filter: toFilterTree(audience),
        firstRunAt: new Date(Math.max(at, Date.now())).toISOString(),
        repeatMonths: repeat,
      });
      setName('');
      setAudience(fromFilterTree(null));
      setDay(null);
    }, [npsKeys.campaigns]);
  return (
    <Section title={t('nps.newCampaign')}>
      <Stack gap="sm" data-testid="nps-campaign-form">
        <TextInput
          label={t('nps.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          dir="auto"
          maxLength={200}
          required
        />
        {people && (
          <Group gap="xs">
            <Text size="sm">{t('nps.audience')}</Text>
            <FilterBuilder object={people} value={audience} onChange={setAudience} />
          </Group>
        )}
        <Group gap="sm" align="flex-end">
          <DateInput label={t('nps.firstRun')} value={day} onChange={setDay} />
          <NumberInput
            label={t('nps.repeat')}
            description={t('nps.repeatHint')}
            min={1}
            max={24}
            value={repeat ?? ''}
            onChange={(v) => setRepeat(v === '' ? null : Number(v))}
            w={220}
          />
          <Button loading={action.busy} disabled={!name.trim()} onClick={() => void create()}>
            {t('nps.create')}
          </Button>
        </Group>
        <ErrorText error={action.error} />
      </Stack>
    </Section>
  );
}
