import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconArchive, IconArchiveOff, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { type DealReason, historyKeys, reasonLabel } from '../utils/history-keys.ts';

const EMPTY = { kind: 'lost' as 'won' | 'lost', en: '', ar: '', fa: '' };

/**
 * Win and loss reasons, labelled in English, Arabic and Persian: add, archive (a reason deals name cannot be
 * deleted), bring back or delete; and whether a deal marked won or lost must name one.
 */
export default function ReasonsSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const qc = useQueryClient();
  const [draft, setDraft] = useState(EMPTY);
  const reasons = useQuery({
    queryKey: historyKeys.reasons(true),
    queryFn: async () =>
      (await call(client.GET('/api/v1/sales/reasons', { params: { query: { includeArchived: 'true' } } })))
        .data,
  });
  const settings = useQuery({
    queryKey: historyKeys.settings,
    queryFn: async () => call(client.GET('/api/v1/sales/settings')),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['kanban'] });
  const saveSettings = useMutation({
    mutationFn: async (patch: { requireWonReason?: boolean; requireLostReason?: boolean }) =>
      call(client.PATCH('/api/v1/sales/settings', { body: patch })),
    onSuccess: refresh,
  });
  const add = useMutation({
    mutationFn: async () =>
      call(
        client.POST('/api/v1/sales/reasons', {
          body: {
            kind: draft.kind,
            label: {
              ...(draft.en.trim() ? { en: draft.en } : {}),
              ...(draft.ar.trim() ? { ar: draft.ar } : {}),
              ...(draft.fa.trim() ? { fa: draft.fa } : {}),
            },
          },
        }),
      ),
    onSuccess: async () => {
      setDraft({ ...EMPTY, kind: draft.kind });
      await refresh();
    },
  });
  const archive = useMutation({
    mutationFn: async (r: DealReason) =>
      call(
        client.PATCH('/api/v1/sales/reasons/{id}', {
          params: { path: { id: r.id } },
          body: { archived: !r.archived },
        }),
      ),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      call(client.DELETE('/api/v1/sales/reasons/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const set = (key: 'en' | 'ar' | 'fa') => (e: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: e.currentTarget.value });
  return (
    <Stack>
      <Section title={t('dealHistory.reasonsTab')}>
        <ErrorText error={reasons.error ?? settings.error ?? saveSettings.error} />
        <Stack gap="xs" mb="md">
          <Switch
            label={t('dealHistory.requireWon')}
            checked={settings.data?.requireWonReason ?? false}
            onChange={(e) => saveSettings.mutate({ requireWonReason: e.currentTarget.checked })}
          />
          <Switch
            label={t('dealHistory.requireLost')}
            checked={settings.data?.requireLostReason ?? false}
            onChange={(e) => saveSettings.mutate({ requireLostReason: e.currentTarget.checked })}
          />
        </Stack>
        <ErrorText error={add.error ?? archive.error ?? remove.error} />
        <Table.ScrollContainer minWidth={480} type="native">
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('dealHistory.kind')}</Table.Th>
                <Table.Th>{t('dealHistory.reason')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(reasons.data ?? []).map((r) => (
                <Table.Tr key={r.id} data-reason={reasonLabel(r, 'en')}>
                  <Table.Td>
                    <Badge color={r.kind === 'won' ? 'green' : 'red'} variant="light">
                      {t(r.kind === 'won' ? 'dealHistory.won' : 'dealHistory.lost')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" td={r.archived ? 'line-through' : undefined}>
                      {reasonLabel(r, locale)}
                    </Text>
                    {r.archived && (
                      <Text size="xs" c="dimmed">
                        {t('dealHistory.archived')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        aria-label={t(r.archived ? 'dealHistory.unarchive' : 'dealHistory.archive', {
                          reason: reasonLabel(r, locale),
                        })}
                        onClick={() => archive.mutate(r)}
                      >
                        {r.archived ? <IconArchiveOff size={16} /> : <IconArchive size={16} />}
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={t('dealHistory.delete', { reason: reasonLabel(r, locale) })}
                        onClick={() => remove.mutate(r.id)}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Group align="flex-end" mt="sm">
            <Select
              label={t('dealHistory.kind')}
              data={[
                { value: 'won', label: t('dealHistory.won') },
                { value: 'lost', label: t('dealHistory.lost') },
              ]}
              value={draft.kind}
              onChange={(v) => setDraft({ ...draft, kind: v === 'won' ? 'won' : 'lost' })}
              allowDeselect={false}
              w={120}
            />
            <TextInput label={t('money.nameEn')} value={draft.en} onChange={set('en')} dir="ltr" />
            <TextInput label={t('money.nameAr')} value={draft.ar} onChange={set('ar')} dir="rtl" />
            <TextInput label={t('money.nameFa')} value={draft.fa} onChange={set('fa')} dir="rtl" />
            <Button type="submit" loading={add.isPending}>
              {t('dealHistory.addReason')}
            </Button>
          </Group>
        </form>
      </Section>
    </Stack>
  );
}
