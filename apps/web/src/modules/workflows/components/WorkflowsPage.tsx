import {
  ActionIcon,
  Button,
  Group,
  Modal,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Workflow } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { LastRun } from './LastRun.tsx';
import { NoAccess } from './NoAccess.tsx';

/** The workflows: name, trigger, on/off, published version, last run; create, open, delete. */
export default function WorkflowsPage() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const can = useCan('workflows.manage');
  useDocumentTitle(t('workflow.title'));
  const navigate = useNavigate();
  const action = useAction();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [deleting, setDeleting] = useState<Workflow | null>(null);
  const list = useQuery({ queryKey: workflowKeys.list, queryFn: workflowsApi.list, enabled: can });
  if (!can) return <NoAccess />;
  const workflows = list.data?.data ?? [];
  const create = async () => {
    let created: Workflow | null = null;
    const ok = await action.run(async () => {
      created = await workflowsApi.create({
        name: name.trim(),
        ...(description.trim() ? { description } : {}),
      });
    }, [workflowKeys.list]);
    if (ok && created) {
      setCreating(false);
      void navigate({ to: '/workflows/$workflowId', params: { workflowId: (created as Workflow).id } });
    }
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('workflow.title')}</Title>
        <Group>
          <AnchorLink to="/workflow-runs" search={{}}>
            {t('workflow.runsTitle')}
          </AnchorLink>
          <Button onClick={() => setCreating(true)}>{t('workflow.new')}</Button>
        </Group>
      </Group>
      <Table.ScrollContainer minWidth={720} type="native">
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('workflow.name')}</Table.Th>
              <Table.Th>{t('workflow.trigger')}</Table.Th>
              <Table.Th>{t('workflow.enabled')}</Table.Th>
              <Table.Th>{t('workflow.currentVersion')}</Table.Th>
              <Table.Th>{t('workflow.lastRun')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {workflows.map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>
                  <AnchorLink to="/workflows/$workflowId" params={{ workflowId: w.id }}>
                    {w.name}
                  </AnchorLink>
                  {w.description ? (
                    <Text size="xs" c="dimmed" lineClamp={1}>
                      {w.description}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>{t(`workflow.triggerType.${w.draft.trigger.type}`)}</Table.Td>
                <Table.Td>
                  <Switch
                    aria-label={t('workflow.enabledFor', { name: w.name })}
                    checked={w.enabled}
                    disabled={w.currentVersion === null || action.busy}
                    onChange={(e) => {
                      const enabled = e.currentTarget.checked;
                      void action.run(() => workflowsApi.update(w.id, { enabled }), [workflowKeys.list]);
                    }}
                  />
                </Table.Td>
                <Table.Td>
                  {w.currentVersion === null
                    ? t('workflow.notPublished')
                    : t('workflow.versionN', { version: formatNumber(w.currentVersion, prefs) })}
                </Table.Td>
                <Table.Td>
                  <LastRun workflowId={w.id} />
                </Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={t('workflow.deleteNamed', { name: w.name })}
                    onClick={() => setDeleting(w)}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {workflows.length === 0 && !list.isPending ? <Text c="dimmed">{t('workflow.empty')}</Text> : null}
      <ErrorText error={list.error ?? action.error} />
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('workflow.new')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <Stack>
            <TextInput
              label={t('workflow.name')}
              required
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              data-autofocus
            />
            <Textarea
              label={t('workflow.description')}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              autosize
              minRows={2}
            />
            <ErrorText error={action.error} />
            <Button type="submit" loading={action.busy} disabled={!name.trim()}>
              {t('workflow.create')}
            </Button>
          </Stack>
        </form>
      </Modal>
      <Modal opened={deleting !== null} onClose={() => setDeleting(null)} title={t('workflow.delete')}>
        <Stack>
          <Text>{t('workflow.deleteConfirm', { name: deleting?.name ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              {t('workflow.keep')}
            </Button>
            <Button
              color="red"
              loading={action.busy}
              onClick={async () => {
                const target = deleting;
                if (!target) return;
                if (await action.run(() => workflowsApi.remove(target.id), [workflowKeys.list]))
                  setDeleting(null);
              }}
            >
              {t('workflow.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
