import { Button, Group, NumberInput, Select, SimpleGrid, Stack, Text, Textarea } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import { casesApi, casesKeys, type CaseSettings as Settings } from '../utils/cases-api.ts';
import { CaseWorkflowsSettings } from './CaseWorkflowsSettings.tsx';

const LISTS = ['categories', 'rootCauses', 'reasonCodes'] as const;
const lines = (value: string) =>
  value
    .split('\n')
    .map((v) => v.trim())
    .filter(Boolean);

/** The zones a browser knows, for the deadline's calendar days (the saved one kept if the browser lacks it). */
function zones(current: string): string[] {
  const known =
    (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return [...new Set(['UTC', current, ...known])];
}

/**
 * Settings → Complaints and returns: the complaint deadlines in calendar days and whose calendar counts them, the
 * complaint categories and root causes, and the return reason codes (one a line). Read by everyone; changed with
 * `service.cases.manage`, as the server checks.
 */
export default function CaseSettings() {
  const { t } = useTranslation();
  const canManage = useCan('service.cases.manage');
  const saved = useQuery({ queryKey: casesKeys.settings, queryFn: casesApi.settings });
  const [draft, setDraft] = useState<
    (Omit<Settings, (typeof LISTS)[number]> & Record<(typeof LISTS)[number], string>) | undefined
  >();
  useEffect(() => {
    if (saved.data)
      setDraft({
        ...saved.data,
        categories: saved.data.categories.join('\n'),
        rootCauses: saved.data.rootCauses.join('\n'),
        reasonCodes: saved.data.reasonCodes.join('\n'),
      });
  }, [saved.data]);
  const action = useAction();
  if (!draft) return <ErrorText error={saved.error} />;
  return (
    <Section title={t('cases.settingsTitle')}>
      <Stack gap="sm" data-testid="case-settings">
        <Text size="sm" c="dimmed">
          {t('cases.settingsHint')}
        </Text>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <NumberInput
            label={t('cases.ackDays')}
            min={0}
            max={365}
            allowDecimal={false}
            value={draft.ackDays}
            onChange={(v) => setDraft({ ...draft, ackDays: Number(v) || 0 })}
            disabled={!canManage}
            w={220}
          />
          <NumberInput
            label={t('cases.responseDays')}
            min={0}
            max={365}
            allowDecimal={false}
            value={draft.responseDays}
            onChange={(v) => setDraft({ ...draft, responseDays: Number(v) || 0 })}
            disabled={!canManage}
            w={220}
          />
          <Select
            label={t('cases.timeZone')}
            searchable
            data={zones(draft.timeZone)}
            value={draft.timeZone}
            onChange={(v) => setDraft({ ...draft, timeZone: v ?? 'UTC' })}
            disabled={!canManage}
            w={260}
          />
        </Group>
        <SimpleGrid cols={{ base: 1, md: 3 }} spacing="sm">
          {LISTS.map((key) => (
            <Textarea
              key={key}
              label={t(`cases.${key}`)}
              description={t(key === 'reasonCodes' ? 'cases.reasonCodesHint' : 'cases.onePerLine')}
              autosize
              minRows={4}
              maxRows={12}
              value={draft[key]}
              onChange={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
              disabled={!canManage}
            />
          ))}
        </SimpleGrid>
        {canManage && (
          <Group>
            <Button
              loading={action.busy}
              onClick={() =>
                void action.run(
                  () =>
                    casesApi.putSettings({
                      ...draft,
                      categories: lines(draft.categories),
                      rootCauses: lines(draft.rootCauses),
                      reasonCodes: lines(draft.reasonCodes),
                    }),
                  [casesKeys.settings],
                )
              }
            >
              {t('record.save')}
            </Button>
          </Group>
        )}
        <ErrorText error={action.error} />
        <CaseWorkflowsSettings />
      </Stack>
    </Section>
  );
}
