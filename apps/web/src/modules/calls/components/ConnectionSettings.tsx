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
import { type CallConnection, connectionKeys, connectionsApi } from '../utils/connections-api.ts';
import { ConnectionForm } from './ConnectionForm.tsx';
import { ConnectionSecret, type MadeCredentials } from './ConnectionSecret.tsx';
import { QueueSettings } from './QueueSettings.tsx';
import { SelfServiceUrlSettings } from './SelfServiceUrlSettings.tsx';
import { WrapUpCodeSettings } from './WrapUpCodeSettings.tsx';

/**
 * Settings → Phone systems (`calls.manage`): the workspace's connections — a phone system that posts call events —
 * each with its type, country, extensions mapped to members and its key or signing secret (shown once, when made,
 * with the address and headers the phone system must use); made, changed and removed here. Below them the call
 * queues, the workspace's wrap-up codes and the self-service link.
 */
export default function ConnectionSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const list = useQuery({ queryKey: connectionKeys.all, queryFn: connectionsApi.list });
  const [editing, setEditing] = useState<CallConnection | 'new' | null>(null);
  const [made, setMade] = useState<MadeCredentials | null>(null);
  const [deleting, setDeleting] = useState<CallConnection | null>(null);
  const remove = useAction();
  const connections = list.data ?? [];
  return (
    <Stack>
      <Section title={t('phoneSystems.title')}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('phoneSystems.hint')}
          </Text>
          {made && <ConnectionSecret made={made} onDone={() => setMade(null)} />}
          {list.isSuccess && connections.length === 0 && <Text size="sm">{t('phoneSystems.none')}</Text>}
          {connections.length > 0 && (
            <Table.ScrollContainer minWidth={560}>
              <Table data-testid="phone-connections">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('phoneSystems.name')}</Table.Th>
                    <Table.Th>{t('phoneSystems.type')}</Table.Th>
                    <Table.Th>{t('phoneSystems.extensions')}</Table.Th>
                    <Table.Th>{t('phoneSystems.credentials')}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {connections.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>{c.name}</Table.Td>
                      <Table.Td>{t(`phoneSystems.types.${c.type}`, { defaultValue: c.type })}</Table.Td>
                      <Table.Td>{formatNumber(Object.keys(c.extensions).length, prefs)}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {c.apiKeyPrefix && (
                            <Badge variant="light" size="sm">
                              <span dir="ltr">{`${c.apiKeyPrefix}…`}</span>
                            </Badge>
                          )}
                          {c.hasSecret && (
                            <Badge variant="light" color="grape" size="sm">
                              {t('phoneSystems.signed')}
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button
                            size="compact-sm"
                            variant="default"
                            onClick={() => setEditing(c)}
                            aria-label={t('phoneSystems.editOf', { name: c.name })}
                          >
                            {t('phoneSystems.edit')}
                          </Button>
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            color="red"
                            onClick={() => setDeleting(c)}
                            aria-label={t('phoneSystems.deleteOf', { name: c.name })}
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
            <Button onClick={() => setEditing('new')} data-testid="phone-connection-new">
              {t('phoneSystems.connect')}
            </Button>
          </Group>
        </Stack>
      </Section>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('phoneSystems.connect') : t('phoneSystems.editTitle')}
        size="lg"
      >
        {editing !== null && (
          <ConnectionForm
            connection={editing === 'new' ? null : editing}
            onSaved={(saved) => {
              setEditing(null);
              if (saved.apiKey || saved.signingSecret)
                setMade({
                  id: saved.id,
                  name: saved.name,
                  apiKey: saved.apiKey ?? null,
                  signingSecret: saved.signingSecret ?? null,
                });
            }}
            onCancel={() => setEditing(null)}
          />
        )}
      </Modal>
      <ConfirmDelete
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={t('phoneSystems.deleteTitle', { name: deleting?.name ?? '' })}
        hint={t('phoneSystems.deleteHint')}
        error={remove.error}
        busy={remove.busy}
        onDelete={() => remove.run(() => connectionsApi.remove(deleting!.id), [connectionKeys.all])}
      />
      <QueueSettings />
      <WrapUpCodeSettings />
      <SelfServiceUrlSettings />
    </Stack>
  );
}
