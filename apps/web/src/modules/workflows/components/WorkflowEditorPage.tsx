import { ActionIcon, Badge, Button, Group, Modal, Stack, Switch, Text, Title } from '@mantine/core';
import { IconPencil } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { droppedWith, graphProblems, layoutOf, removeStep } from '../utils/graph.ts';
import { missingInStep, missingInTrigger } from '../utils/incomplete.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Workflow, WorkflowDefinition } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { NoAccess } from './NoAccess.tsx';
import { RenameModal } from './RenameModal.tsx';
import { SettingsModal } from './SettingsModal.tsx';
import { SidePanel } from './SidePanel.tsx';
import { TestRunModal } from './TestRunModal.tsx';
import { VersionsDrawer } from './VersionsDrawer.tsx';
import { WorkflowCanvas } from './WorkflowCanvas.tsx';

/** The draft with every node's place on the canvas, as shown (laid out, or where it was dragged). */
const withLayout = (d: WorkflowDefinition): WorkflowDefinition => ({ ...d, layout: layoutOf(d) });

/** A workflow's editor: the canvas and the chosen node's panel, save, publish, versions, settings, test run. */
export default function WorkflowEditorPage() {
  const { workflowId } = useParams({ from: '/app/workflows/$workflowId' });
  const can = useCan('workflows.manage');
  const query = useQuery({
    queryKey: workflowKeys.one(workflowId),
    queryFn: () => workflowsApi.get(workflowId),
    enabled: can,
  });
  if (!can) return <NoAccess />;
  if (!query.data) return <ErrorText error={query.error} />;
  return <Editor key={query.data.id} initial={query.data} />;
}

function Editor({ initial }: { initial: Workflow }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const action = useAction();
  const [workflow, setWorkflow] = useState(initial);
  const [draft, setDraft] = useState<WorkflowDefinition>(initial.draft);
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<{ id: string; dropped: string[] } | null>(null);
  const [dialog, setDialog] = useState<'versions' | 'settings' | 'test' | 'rename' | null>(null);
  useDocumentTitle(workflow.name);
  // Leaving with unsaved changes asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  const change = (d: WorkflowDefinition) => {
    setDraft(d);
    setDirty(true);
  };
  const loaded = (w: Workflow) => {
    setWorkflow(w);
    setDraft(w.draft);
    setDirty(false);
  };
  const remove = (id: string) => {
    const dropped = droppedWith(draft, id);
    if (dropped.length) setConfirmDelete({ id, dropped });
    else {
      change(removeStep(draft, id));
      if (selected === id) setSelected(null);
    }
  };
  const save = () =>
    action.run(
      async () => loaded(await workflowsApi.update(workflow.id, { draft: withLayout(draft) })),
      [workflowKeys.list],
    );
  const problems = graphProblems(draft);
  // Steps (and the trigger) with a field still to fill in: the API refuses such a draft, so it cannot be saved.
  const unfinished = [
    ...(missingInTrigger(draft.trigger).length ? [t('workflow.trigger')] : []),
    ...draft.steps.filter((s) => missingInStep(s).length > 0).map((s) => s.name || s.id),
  ];
  const blocked = problems.length > 0 || unfinished.length > 0;
  return (
    <Stack h="calc(100vh - 100px)" gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm">
          <Title order={2}>{workflow.name}</Title>
          <ActionIcon variant="subtle" aria-label={t('workflow.rename')} onClick={() => setDialog('rename')}>
            <IconPencil size={16} />
          </ActionIcon>
          <Badge variant="light" color={workflow.currentVersion === null ? 'gray' : 'blue'}>
            {workflow.currentVersion === null
              ? t('workflow.notPublished')
              : t('workflow.versionN', { version: formatNumber(workflow.currentVersion, prefs) })}
          </Badge>
          {dirty ? (
            <Text size="sm" c="red.9">
              {t('workflow.unsaved')}
            </Text>
          ) : null}
        </Group>
        <Group gap="xs">
          <Switch
            label={t('workflow.enabled')}
            checked={workflow.enabled}
            disabled={workflow.currentVersion === null || action.busy}
            onChange={(e) => {
              const enabled = e.currentTarget.checked;
              void action.run(
                async () => setWorkflow(await workflowsApi.update(workflow.id, { enabled })),
                [workflowKeys.list],
              );
            }}
          />
          <AnchorLink to="/workflow-runs" search={{ workflowId: workflow.id }} size="sm">
            {t('workflow.runs')}
          </AnchorLink>
          <Button variant="default" size="xs" onClick={() => setDialog('settings')}>
            {t('workflow.settings')}
          </Button>
          <Button variant="default" size="xs" onClick={() => setDialog('versions')}>
            {t('workflow.versions')}
          </Button>
          <Button variant="default" size="xs" disabled={dirty} onClick={() => setDialog('test')}>
            {t('workflow.testRun')}
          </Button>
          <Button
            variant="light"
            size="xs"
            loading={action.busy}
            disabled={!dirty || blocked}
            onClick={() => void save()}
          >
            {t('workflow.save')}
          </Button>
          <Button
            size="xs"
            loading={action.busy}
            disabled={blocked}
            onClick={() =>
              void action.run(async () => {
                if (dirty) await workflowsApi.update(workflow.id, { draft: withLayout(draft) });
                loaded(await workflowsApi.publish(workflow.id));
              }, [workflowKeys.list, workflowKeys.versions(workflow.id)])
            }
          >
            {t('workflow.publish')}
          </Button>
        </Group>
      </Group>
      <ErrorText error={action.error} />
      {problems.length ? (
        <Text size="sm" c="red" role="status">
          {t('workflow.graphProblems', { value: formatNumber(problems.length, prefs) })}
        </Text>
      ) : null}
      {unfinished.length ? (
        <Text size="sm" c="red" role="status">
          {t('workflow.unfinished', { steps: new Intl.ListFormat(prefs.locale).format(unfinished) })}
        </Text>
      ) : null}
      {/* The panel sits beside the canvas, and below it where the screen is too narrow for both. */}
      <Group align="stretch" wrap="wrap" gap="sm" style={{ flex: 1, minHeight: 0 }}>
        <div style={{ flex: '1 1 420px', minWidth: 0 }}>
          <WorkflowCanvas
            definition={draft}
            onChange={change}
            selected={selected}
            onSelect={setSelected}
            onDelete={remove}
          />
        </div>
        {selected ? (
          <SidePanel
            workflowId={workflow.id}
            definition={draft}
            selected={selected}
            onChange={change}
            onClose={() => setSelected(null)}
          />
        ) : null}
      </Group>
      <Modal
        opened={confirmDelete !== null}
        onClose={() => setConfirmDelete(null)}
        title={t('workflow.deleteStep')}
      >
        <Stack>
          <Text>
            {t('workflow.deleteStepDropped', {
              steps: new Intl.ListFormat(prefs.locale).format(confirmDelete?.dropped ?? []),
            })}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(null)}>
              {t('workflow.keep')}
            </Button>
            <Button
              color="red"
              onClick={() => {
                if (confirmDelete) change(removeStep(draft, confirmDelete.id));
                setSelected(null);
                setConfirmDelete(null);
              }}
            >
              {t('workflow.deleteStep')}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <VersionsDrawer
        workflow={workflow}
        opened={dialog === 'versions'}
        onClose={() => setDialog(null)}
        onRestored={loaded}
      />
      {dialog === 'rename' ? (
        <RenameModal
          workflow={workflow}
          onClose={() => setDialog(null)}
          onSaved={(w) => setWorkflow({ ...w, draft: workflow.draft })}
        />
      ) : null}
      {dialog === 'settings' ? (
        <SettingsModal
          workflow={workflow}
          opened
          onClose={() => setDialog(null)}
          onSaved={(w) => setWorkflow({ ...w, draft: workflow.draft })}
        />
      ) : null}
      <TestRunModal
        workflowId={workflow.id}
        object={'object' in workflow.draft.trigger ? (workflow.draft.trigger.object ?? null) : null}
        opened={dialog === 'test'}
        onClose={() => setDialog(null)}
      />
    </Stack>
  );
}
