import { ActionIcon, Alert, Group, Paper, ScrollArea, Text } from '@mantine/core';
import { IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { droppedWithCase, removeCase, TRIGGER_NODE } from '../utils/graph.ts';
import { missingInStep, missingInTrigger } from '../utils/incomplete.ts';
import type { Step, WorkflowDefinition } from '../utils/workflow-types.ts';
import { StepForm } from './StepForm.tsx';
import { StepIcon } from './StepIcon.tsx';
import { TriggerForm } from './TriggerForm.tsx';

// The form label each missing field is known by.
const MISSING_LABEL: Record<string, string> = {
  users: 'user',
  to: 'recipient',
  until: 'waitFor',
  condition: 'conditionLabel',
  cron: 'cron',
  workflowId: 'calledWorkflow',
  pool: 'assignPool',
  via: 'relatedVia',
  value: 'switchValue',
  cases: 'cases',
};

/** The panel beside the canvas with the chosen node's form; it follows the user's direction. */
export function SidePanel({
  workflowId,
  definition,
  selected,
  onChange,
  onClose,
}: {
  workflowId: string;
  definition: WorkflowDefinition;
  selected: string;
  onChange: (d: WorkflowDefinition) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const step = definition.steps.find((s) => s.id === selected);
  if (selected !== TRIGGER_NODE && !step) return null;
  const setStep = (next: Step) =>
    onChange({ ...definition, steps: definition.steps.map((s) => (s.id === next.id ? next : s)) });
  const kind = step ? step.type : 'trigger';
  const missing = step ? missingInStep(step) : missingInTrigger(definition.trigger);
  return (
    <Paper
      withBorder
      p="sm"
      w={{ base: '100%', md: 400 }}
      maw="100%"
      component="aside"
      aria-label={t('workflow.panel')}
      data-testid="workflow-panel"
    >
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Group gap="xs" wrap="nowrap">
          <StepIcon type={kind} size={18} />
          <Text fw={600}>{step ? t(`workflow.stepType.${step.type}`) : t('workflow.trigger')}</Text>
          {step ? (
            <Text size="xs" c="dimmed" ff="monospace">
              {step.id}
            </Text>
          ) : null}
        </Group>
        <ActionIcon variant="subtle" aria-label={t('app.close')} onClick={onClose}>
          <IconX size={16} />
        </ActionIcon>
      </Group>
      {missing.length ? (
        <Alert color="red" variant="light" mb="sm" p="xs">
          {t('workflow.missing', {
            fields: new Intl.ListFormat(i18n.language).format(
              missing.map((k) => t(`workflow.${MISSING_LABEL[k] ?? k}`)),
            ),
          })}
        </Alert>
      ) : null}
      <ScrollArea.Autosize mah="calc(100vh - 240px)">
        {step ? (
          <StepForm
            key={step.id}
            step={step}
            trigger={definition.trigger}
            onChange={setStep}
            onRemoveCase={(index) => onChange(removeCase(definition, step.id, index))}
            droppedWithCase={(index) => droppedWithCase(definition, step.id, index)}
          />
        ) : (
          <TriggerForm
            workflowId={workflowId}
            trigger={definition.trigger}
            onChange={(trigger) => onChange({ ...definition, trigger })}
          />
        )}
      </ScrollArea.Autosize>
    </Paper>
  );
}
