import { Badge, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { type CallQueue, queueKeys, queuesApi } from '../utils/queues-api.ts';
import { wrapUpLabelIn } from '../utils/wrap-up-label.ts';
import { QueueForm } from './QueueForm.tsx';

/**
 * Settings → Phone systems → Call queues (`calls.manage`): each queue with the keys and numbers that name it, its
 * members, wrap-up time and codes; made, changed and removed here (a removed queue's calls keep it).
 */
export function QueueSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const list = useQuery({ queryKey: queueKeys.all, queryFn: queuesApi.list });
  const names = new Map((useMembers().data ?? []).map((m) => [m.userId, m.name]));
  const [editing, setEditing] = useState<CallQueue | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CallQueue | null>(null);
  const remove = useAction();
  const queues = list.data ?? [];
  const n = (v: number) => formatNumber(v, prefs);
  const listed = (items: string[]) =>
    new Intl.ListFormat(prefs.locale, { style: 'short', type: 'unit' }).format(items);
  return (
    <Section title={t('callQueues.title')}>
      <Stack gap="sm" data-testid="call-queues">
        <Text size="sm" c="dimmed">
          {t('callQueues.hint')}
        </Text>
        {list.isSuccess && queues.length === 0 && <Text size="sm">{t('callQueues.none')}</Text>}
        {queues.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table data-testid="call-queue-list">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('callQueues.name')}</Table.Th>
                  <Table.Th>{t('callQueues.reachedBy')}</Table.Th>
                  <Table.Th>{t('callQueues.members')}</Table.Th>
                  <Table.Th>{t('callQueues.wrapUpShort')}</Table.Th>
                  <Table.Th>{t('callQueues.codes')}</Table.Th>
                  <Table.Th>{t('callQueues.serviceLevelShort')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {queues.map((q) => (
                  <Table.Tr key={q.id} data-testid={`call-queue-${q.id}`}>
                    <Table.Td>{q.name}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {[...q.keys, ...q.numbers].map((k) => (
                          <Badge key={k} variant="light" size="sm" tt="none">
                            <bdi dir="ltr">{k}</bdi>
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={2} title={n(q.members.length)}>
                        {q.members.length === 0
                          ? t('callQueues.noMembers')
                          : listed(q.members.map((m) => names.get(m) ?? m))}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {q.wrapUpSeconds === null
                        ? t('callQueues.connectionWrapUp')
                        : t('callQueues.seconds', { n: n(q.wrapUpSeconds) })}
                    </Table.Td>
                    <Table.Td>
                      {q.wrapUpCodes.length === 0
                        ? t('callQueues.workspaceCodes')
                        : listed(q.wrapUpCodes.map((c) => wrapUpLabelIn(prefs.locale, c)))}
                    </Table.Td>
                    <Table.Td data-testid={`call-queue-${q.id}-service-level`}>
                      {q.serviceLevel
                        ? t('callQueues.slTarget', {
                            percent: n(q.serviceLevel.percent),
                            seconds: n(q.serviceLevel.seconds),
                          })
                        : t('callQueues.noTarget')}
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button
                          size="compact-sm"
                          variant="default"
                          onClick={() => setEditing(q)}
                          aria-label={t('callQueues.editOf', { name: q.name })}
                        >
                          {t('callQueues.edit')}
                        </Button>
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          onClick={() => setDeleting(q)}
                          aria-label={t('callQueues.deleteOf', { name: q.name })}
                        >
                          {t('record.delete')}
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <ErrorText error={list.error} />
        <Group>
          <Button onClick={() => setEditing('new')} data-testid="call-queue-new">
            {t('callQueues.add')}
          </Button>
        </Group>
      </Stack>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('callQueues.add') : t('callQueues.editTitle')}
        size="lg"
      >
        {editing !== null && (
          <QueueForm
            queue={editing === 'new' ? null : editing}
            onSaved={() => setEditing(null)}
            onCancel={() => setEditing(null)}
          />
        )}
      </Modal>
      <ConfirmDelete
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={t('callQueues.deleteTitle', { name: deleting?.name ?? '' })}
        hint={t('callQueues.deleteHint')}
        error={remove.error}
        busy={remove.busy}
        onDelete={() => remove.run(() => queuesApi.remove(deleting!.id), [queueKeys.all])}
      />
    </Section>
  );
}
