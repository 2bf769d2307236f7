import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { embedCode, targetName, type WebForm, webFormsKeys } from '../utils/web-forms-keys.ts';
import { QuarantineList } from './QuarantineList.tsx';
import { WebFormEditor } from './WebFormEditor.tsx';

/** Web forms: the list, the builder, the code to embed one, and the submissions held in quarantine. */
export default function WebFormsSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const forms = useQuery({
    queryKey: webFormsKeys.forms,
    queryFn: async () => (await call(client.GET('/api/v1/web-forms'))).data,
  });
  const [editing, setEditing] = useState<WebForm | undefined>();
  const [editorKey, setEditorKey] = useState(0);
  const [shown, setShown] = useState<string | undefined>();
  const refresh = async () => {
    setEditing(undefined);
    setEditorKey((k) => k + 1);
    await qc.invalidateQueries({ queryKey: webFormsKeys.forms });
  };
  const remove = useMutation({
    mutationFn: async (id: string) =>
      call(client.DELETE('/api/v1/web-forms/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const origin = window.location.origin;
  const list = forms.data ?? [];
  const embedded = list.find((f) => f.id === shown);
  return (
    <Stack>
      <Section title={t('webForms.title')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('webForms.hint')}
        </Text>
        <ErrorText error={forms.error ?? remove.error} />
        <Table.ScrollContainer minWidth={520} type="native">
          <Table withTableBorder data-testid="web-forms">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('webForms.name')}</Table.Th>
                <Table.Th>{t('ticketForms.makes')}</Table.Th>
                <Table.Th>{t('webForms.language')}</Table.Th>
                <Table.Th>{t('webForms.fields')}</Table.Th>
                <Table.Th>{t('webForms.enabled')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((f) => (
                <Table.Tr key={f.id}>
                  <Table.Td>
                    <Anchor component="button" type="button" onClick={() => setShown(f.id)}>
                      {f.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{targetName(t, f.target)}</Table.Td>
                  <Table.Td>{t(`language.${f.locale}`)}</Table.Td>
                  <Table.Td>{formatNumber(f.fields.length, prefs)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={f.enabled ? 'green.9' : 'gray.8'}>
                      {f.enabled ? t('webForms.on') : t('webForms.off')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        aria-label={t('webForms.edit', { name: f.name })}
                        onClick={() => setEditing(f)}
                      >
                        <IconPencil size={16} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={t('webForms.remove', { name: f.name })}
                        onClick={() => window.confirm(t('webForms.confirmRemove')) && remove.mutate(f.id)}
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
        {embedded && (
          <Stack gap={6} mt="md" data-testid="web-form-embed">
            <Text fw={600}>{t('webForms.embedTitle', { name: embedded.name })}</Text>
            <Text size="sm">{t('webForms.hostedPage')}</Text>
            <Group gap="xs">
              <Anchor href={`${origin}/f/${embedded.publicId}`} target="_blank" rel="noopener" dir="ltr">
                {`${origin}/f/${embedded.publicId}`}
              </Anchor>
            </Group>
            <Text size="sm">{t('webForms.embedHint')}</Text>
            <Code block dir="ltr">
              {embedCode(origin, embedded.publicId)}
            </Code>
            <CopyButton value={embedCode(origin, embedded.publicId)}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy} w="fit-content">
                  {copied ? t('webForms.copied') : t('webForms.copy')}
                </Button>
              )}
            </CopyButton>
          </Stack>
        )}
      </Section>
      <Section title={editing ? t('webForms.edit', { name: editing.name }) : t('webForms.newForm')}>
        <WebFormEditor key={editing?.id ?? `new-${editorKey}`} form={editing} onDone={refresh} />
      </Section>
      <Section title={t('webForms.quarantine')}>
        <QuarantineList forms={list} />
      </Section>
    </Stack>
  );
}
