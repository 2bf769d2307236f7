import { Alert, Button, Checkbox, Group, Modal, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { recordKeys } from '../../records/utils/record-keys.ts';
import { leadsKeys } from '../utils/leads-keys.ts';

type Match = components['schemas']['LeadMatch'];
/** `new`, `skip`, or the id of a matching record to attach to. */
type Choice = string;

function target(choice: Choice) {
  if (choice === 'skip') return undefined;
  return choice === 'new' ? { create: {} } : { attachTo: choice };
}

/** One of person and company: attach to a match, create a new one, or neither. */
function TargetChoice(props: {
  label: string;
  matches: Match[];
  value: Choice;
  onChange: (v: Choice) => void;
}) {
  const { t } = useTranslation();
  return (
    <Radio.Group label={props.label} value={props.value} onChange={props.onChange}>
      <Stack gap={6} mt={6}>
        {props.matches.map((m) => (
          <Radio
            key={m.id}
            value={m.id}
            label={t('leads.attachTo', { title: m.title ?? m.id })}
            description={t('leads.matchedBy', {
              by: m.by.map((b) => t(`leads.by.${b}`, { defaultValue: b })).join(t('leads.comma')),
            })}
          />
        ))}
        <Radio value="new" label={t('leads.createNew')} />
        <Radio value="skip" label={t('leads.skip')} />
      </Stack>
    </Radio.Group>
  );
}

/**
 * The conversion dialog: the people and companies that match the lead are offered first (attach, or create a new
 * one), a deal optionally; one request converts it all in one transaction.
 */
export function ConvertLeadDialog({
  leadId,
  lead,
  onClose,
}: {
  leadId: string;
  lead: RecordData;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const matches = useQuery({
    queryKey: leadsKeys.matches(leadId),
    queryFn: async () =>
      call(client.GET('/api/v1/leads/{id}/conversion-matches', { params: { path: { id: leadId } } })),
  });
  const [person, setPerson] = useState<Choice | null>(null);
  const [company, setCompany] = useState<Choice | null>(null);
  const [withDeal, setWithDeal] = useState(true);
  const [dealName, setDealName] = useState(String(lead.companyName || lead.name || ''));
  // The best match is chosen at first: attaching is safer than a duplicate.
  const personChoice = person ?? matches.data?.people[0]?.id ?? 'new';
  const companyChoice = company ?? matches.data?.companies[0]?.id ?? (lead.companyName ? 'new' : 'skip');
  const convert = useMutation({
    mutationFn: async () =>
      call(
        client.POST('/api/v1/leads/{id}/convert', {
          params: { path: { id: leadId } },
          body: {
            person: target(personChoice),
            company: target(companyChoice),
            deal: withDeal ? { create: dealName.trim() ? { name: dealName.trim() } : {} } : undefined,
          },
        }),
      ),
    onSuccess: async () => {
      for (const object of ['leads', 'people', 'companies', 'deals']) {
        await qc.invalidateQueries({ queryKey: recordKeys.lists(object) });
        await qc.invalidateQueries({ queryKey: recordKeys.details(object) });
      }
      await qc.invalidateQueries({ queryKey: leadsKeys.all });
      onClose();
    },
  });
  const nothing = personChoice === 'skip' && companyChoice === 'skip' && !withDeal;
  return (
    <Modal opened onClose={onClose} title={t('leads.convertTitle')} size="lg">
      <Stack>
        {matches.isLoading ? (
          <Text size="sm">{t('leads.findingMatches')}</Text>
        ) : (
          <>
            {matches.data && matches.data.people.length + matches.data.companies.length > 0 && (
              <Alert variant="light" color="blue">
                {t('leads.matchesFound')}
              </Alert>
            )}
            <TargetChoice
              label={t('leads.person')}
              matches={matches.data?.people ?? []}
              value={personChoice}
              onChange={setPerson}
            />
            <TargetChoice
              label={t('leads.company')}
              matches={matches.data?.companies ?? []}
              value={companyChoice}
              onChange={setCompany}
            />
            <Checkbox
              label={t('leads.createDeal')}
              checked={withDeal}
              onChange={(e) => setWithDeal(e.currentTarget.checked)}
            />
            {withDeal && (
              <TextInput
                label={t('leads.dealName')}
                value={dealName}
                onChange={(e) => setDealName(e.currentTarget.value)}
              />
            )}
          </>
        )}
        <Text size="xs" c="dimmed">
          {t('leads.fillsEmpty')}
        </Text>
        <ErrorText error={convert.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('record.cancel')}
          </Button>
          <Button
            onClick={() => convert.mutate()}
            loading={convert.isPending}
            disabled={nothing || matches.isLoading}
            data-testid="convert-submit"
          >
            {t('leads.convert')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
