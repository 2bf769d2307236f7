import {
  Checkbox,
  Code,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Step, Trigger, ValueSource } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { AssignForm } from './AssignForm.tsx';
import { ConditionInput } from './ConditionInput.tsx';
import { EmailSource } from './EmailSource.tsx';
import { EmailTranslations } from './EmailTranslations.tsx';
import { ObjectSelect } from './ObjectSelect.tsx';
import { SwitchForm } from './SwitchForm.tsx';
import { ValueSourceInput, ValueSourceList } from './ValueSourceInput.tsx';
import { ValuesEditor } from './ValuesEditor.tsx';

/** The text under a message or body: how merge fields are written. */
function MergeHint() {
  const { t } = useTranslation();
  return (
    <Text size="xs" c="dimmed">
      {t('workflow.mergeHint')} <Code dir="ltr">{'{{ record.name }}'}</Code>
    </Text>
  );
}

/**
 * A step's form, by its type; every change is handed up as the whole new step (removing a switch's case, which may
 * take steps with it, as its own call).
 */
export function StepForm({
  step,
  trigger,
  onChange,
  onRemoveCase,
  droppedWithCase,
}: {
  step: Step;
  trigger: Trigger;
  onChange: (s: Step) => void;
  onRemoveCase: (index: number) => void;
  droppedWithCase: (index: number) => string[];
}) {
  const { t, i18n } = useTranslation();
  const triggerObject = useObject('object' in trigger ? (trigger.object ?? '') : '');
  const { data: workflows } = useQuery({ queryKey: workflowKeys.list, queryFn: workflowsApi.list });
  const createdObject = useObject(step.type === 'createRecord' ? step.object : '');
  const name = (
    <TextInput
      label={t('workflow.stepName')}
      placeholder={t(`workflow.stepType.${step.type}`)}
      value={step.name ?? ''}
      onChange={(e) => {
        const { name: _, ...rest } = step;
        onChange((e.currentTarget.value ? { ...rest, name: e.currentTarget.value } : rest) as Step);
      }}
    />
  );
  const body = (() => {
    switch (step.type) {
      case 'updateRecord': {
        const relation = step.target === 'trigger' ? null : step.target.relation;
        const relationField = triggerObject?.fields.find((f) => f.key === relation);
        const relationObject = relationField?.relation?.object;
        return (
          <>
            <SegmentedControl
              size="xs"
              aria-label={t('workflow.target')}
              value={relation === null ? 'trigger' : 'relation'}
              onChange={(v) => onChange({ ...step, target: v === 'trigger' ? 'trigger' : { relation: '' } })}
              data={[
                { value: 'trigger', label: t('workflow.targetTrigger') },
                { value: 'relation', label: t('workflow.targetRelation') },
              ]}
            />
            {relation !== null ? (
              <Select
                label={t('workflow.relation')}
                data={(triggerObject?.fields ?? [])
                  .filter((f) => f.type === 'relation')
                  .map((f) => ({ value: f.key, label: label(f.labels, i18n.language as Locale) }))}
                value={relation || null}
                onChange={(v) => v && onChange({ ...step, target: { relation: v }, values: {} })}
              />
            ) : null}
            <RelatedValues
              objectKey={relation === null ? (triggerObject?.key ?? '') : (relationObject ?? '')}
              values={step.values}
              onChange={(values) => onChange({ ...step, values })}
            />
          </>
        );
      }
      case 'createRecord':
        return (
          <>
            <ObjectSelect
              value={step.object}
              onChange={(o) => onChange({ ...step, object: o, values: {} })}
            />
            <ValuesEditor
              object={createdObject}
              values={step.values}
              onChange={(values) => onChange({ ...step, values })}
            />
          </>
        );
      case 'notify':
        return (
          <>
            <ValueSourceList
              label={t('workflow.user')}
              addLabel={t('workflow.addUser')}
              values={step.users}
              onChange={(users) => onChange({ ...step, users })}
            />
            <Textarea
              label={t('workflow.message')}
              value={step.message}
              onChange={(e) => onChange({ ...step, message: e.currentTarget.value })}
              autosize
              minRows={2}
            />
            <MergeHint />
          </>
        );
      case 'sendEmail':
        return (
          <>
            <ValueSourceList
              label={t('workflow.recipient')}
              addLabel={t('workflow.addRecipient')}
              values={step.to}
              onChange={(to) => onChange({ ...step, to })}
            />
            <EmailSource step={step} onChange={onChange} />
            {!step.templateId && (
              <>
                <TextInput
                  label={t('workflow.subject')}
                  value={step.subject ?? ''}
                  onChange={(e) => onChange({ ...step, subject: e.currentTarget.value })}
                />
                <Textarea
                  label={t('workflow.body')}
                  value={step.body ?? ''}
                  onChange={(e) => onChange({ ...step, body: e.currentTarget.value })}
                  autosize
                  minRows={4}
                />
                <MergeHint />
                <EmailTranslations step={step} onChange={onChange} />
              </>
            )}
          </>
        );
      case 'wait': {
        const { minutes: _m, until: _u, ...rest } = step;
        return (
          <>
            <SegmentedControl
              size="xs"
              aria-label={t('workflow.waitFor')}
              value={step.until ? 'until' : 'minutes'}
              onChange={(v) =>
                onChange(
                  v === 'until'
                    ? { ...rest, until: { expr: 'record.expectedCloseDate' } }
                    : { ...rest, minutes: 60 },
                )
              }
              data={[
                { value: 'minutes', label: t('workflow.waitKind.minutes') },
                { value: 'until', label: t('workflow.waitKind.until') },
              ]}
            />
            {step.until ? (
              <ValueSourceInput
                label={t('workflow.until')}
                value={step.until}
                onChange={(until) => onChange({ ...rest, until })}
              />
            ) : (
              <NumberInput
                label={t('workflow.minutes')}
                min={1}
                max={60 * 24 * 366}
                value={step.minutes ?? 60}
                onChange={(v) => onChange({ ...rest, minutes: typeof v === 'number' ? v : 1 })}
              />
            )}
          </>
        );
      }
      case 'branch':
        return (
          <ConditionInput
            object={triggerObject}
            value={step.condition}
            onChange={(condition) => onChange({ ...step, condition })}
          />
        );
      case 'switch':
        return (
          <SwitchForm
            step={step}
            onChange={onChange}
            onRemoveCase={onRemoveCase}
            droppedWithCase={droppedWithCase}
          />
        );
      case 'webhook':
        return (
          <>
            <TextInput
              label={t('workflow.url')}
              type="url"
              dir="ltr"
              value={step.url}
              onChange={(e) => onChange({ ...step, url: e.currentTarget.value })}
            />
            <Select
              label={t('workflow.method')}
              data={['POST', 'PUT', 'PATCH']}
              value={step.method ?? 'POST'}
              onChange={(v) => onChange({ ...step, method: (v ?? 'POST') as 'POST' | 'PUT' | 'PATCH' })}
              allowDeselect={false}
            />
            <Textarea
              label={t('workflow.webhookBody')}
              description={t('workflow.webhookBodyHint')}
              value={step.body && 'expr' in step.body ? step.body.expr : ''}
              onChange={(e) => {
                const { body: _, ...rest } = step;
                onChange(e.currentTarget.value ? { ...rest, body: { expr: e.currentTarget.value } } : rest);
              }}
              ff="monospace"
              dir="ltr"
              autosize
              minRows={2}
            />
          </>
        );
      case 'updateRelated':
        return (
          <>
            <ObjectSelect
              value={step.object}
              onChange={(o) => onChange({ ...step, object: o, via: '', values: {} })}
            />
            <RelatedVia
              related={step}
              to={triggerObject?.key ?? ''}
              onChange={(via) => onChange({ ...step, via })}
            />
            <RelatedValues
              objectKey={step.object}
              values={step.values}
              onChange={(values) => onChange({ ...step, values })}
            />
            <RelatedLimit value={step.limit} onChange={(limit) => onChange({ ...step, limit })} />
            <Text size="xs" c="dimmed">
              {t('workflow.relatedItemHint')} <Code dir="ltr">{'item.firstName'}</Code>
            </Text>
          </>
        );
      case 'waitFor':
        return (
          <>
            <Checkbox.Group
              label={t('workflow.waitForEvents')}
              value={step.events ?? ['updated']}
              onChange={(v) => {
                const events = (['updated', 'deleted'] as const).filter((e) => v.includes(e));
                if (events.length) onChange({ ...step, events });
              }}
            >
              <Group gap="md" mt={4}>
                {(['updated', 'deleted'] as const).map((e) => (
                  <Checkbox key={e} value={e} label={t(`workflow.event.${e}`)} />
                ))}
              </Group>
            </Checkbox.Group>
            <MultiSelect
              label={t('workflow.fields')}
              placeholder={step.fields?.length ? undefined : t('workflow.anyField')}
              data={(triggerObject?.fields ?? []).map((f) => ({
                value: f.key,
                label: label(f.labels, i18n.language as Locale),
              }))}
              value={step.fields ?? []}
              onChange={(v) => {
                const { fields: _, ...rest } = step;
                onChange(v.length ? { ...rest, fields: v } : rest);
              }}
              searchable
            />
            <Textarea
              label={t('workflow.expression')}
              description={t('workflow.waitForConditionHint')}
              value={step.condition?.expr ?? ''}
              onChange={(e) => {
                const { condition: _, ...rest } = step;
                const expr = e.currentTarget.value;
                onChange(expr ? { ...rest, condition: { expr } } : rest);
              }}
              ff="monospace"
              dir="ltr"
              autosize
              minRows={2}
            />
            <NumberInput
              label={t('workflow.timeoutMinutes')}
              description={t('workflow.timeoutHint')}
              min={1}
              max={525_600}
              allowDecimal={false}
              value={step.timeoutMinutes}
              onChange={(v) => onChange({ ...step, timeoutMinutes: typeof v === 'number' && v >= 1 ? v : 1 })}
            />
          </>
        );
      case 'assign':
        return <AssignForm step={step} objectKey={triggerObject?.key ?? ''} onChange={onChange} />;
      case 'runWorkflow': {
        const each = step.forEach;
        const { forEach: _, ...once } = step;
        return (
          <>
            <Switch
              label={t('workflow.forEachRelated')}
              description={t('workflow.forEachRelatedHint')}
              checked={each !== undefined}
              onChange={(e) =>
                onChange(
                  e.currentTarget.checked
                    ? { ...once, forEach: { object: 'people', via: '', limit: 100 } }
                    : once,
                )
              }
            />
            {each && (
              <>
                <ObjectSelect
                  value={each.object}
                  onChange={(o) => onChange({ ...step, forEach: { ...each, object: o, via: '' } })}
                />
                <RelatedVia
                  related={each}
                  to={triggerObject?.key ?? ''}
                  onChange={(via) => onChange({ ...step, forEach: { ...each, via } })}
                />
                <RelatedLimit
                  value={each.limit}
                  onChange={(limit) => onChange({ ...step, forEach: { ...each, limit } })}
                />
              </>
            )}
            <Select
              label={t('workflow.calledWorkflow')}
              description={t(each ? 'workflow.calledForEachHint' : 'workflow.calledWorkflowHint')}
              data={(workflows?.data ?? [])
                .filter(
                  (w) =>
                    w.draft.trigger.type === 'called' &&
                    (!each || ('object' in w.draft.trigger && w.draft.trigger.object === each.object)),
                )
                .map((w) => ({ value: w.id, label: w.name }))}
              value={step.workflowId || null}
              onChange={(v) => onChange({ ...step, workflowId: v ?? '' })}
              searchable
              nothingFoundMessage={t('workflow.noCalledWorkflows')}
            />
          </>
        );
      }
      case 'stop':
        return <Text size="sm">{t('workflow.stopHint')}</Text>;
    }
  })();
  return (
    <Stack gap="sm">
      {name}
      {body}
    </Stack>
  );
}

/** The field of the related object that points at the run's record (a person's company). */
function RelatedVia({
  related,
  to,
  onChange,
}: {
  related: { object: string; via: string };
  to: string;
  onChange: (via: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const object = useObject(related.object);
  return (
    <Select
      label={t('workflow.relatedVia')}
      data={(object?.fields ?? [])
        .filter((f) => f.type === 'relation' && f.relation?.object === to && !f.relation.many)
        .map((f) => ({ value: f.key, label: label(f.labels, i18n.language as Locale) }))}
      value={related.via || null}
      onChange={(v) => v && onChange(v)}
    />
  );
}

/** How many related records a step goes over at most (1–500; 100 when unset). */
function RelatedLimit({ value, onChange }: { value: number | undefined; onChange: (limit: number) => void }) {
  const { t } = useTranslation();
  return (
    <NumberInput
      label={t('workflow.relatedLimit')}
      min={1}
      max={500}
      allowDecimal={false}
      value={value ?? 100}
      onChange={(v) => onChange(typeof v === 'number' && v >= 1 ? Math.min(v, 500) : 1)}
    />
  );
}

/** The values editor for an object named by key (the trigger's, or the one a relation points to). */
function RelatedValues({
  objectKey,
  values,
  onChange,
}: {
  objectKey: string;
  values: Record<string, ValueSource>;
  onChange: (v: Record<string, ValueSource>) => void;
}) {
  const object = useObject(objectKey);
  return <ValuesEditor object={object} values={values} onChange={onChange} />;
}
