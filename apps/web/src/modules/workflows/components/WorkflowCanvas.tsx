import '@xyflow/react/dist/style.css';
import { Background, Controls, type Edge, type NodeChange, ReactFlow } from '@xyflow/react';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import {
  graphProblems,
  type Handle,
  handleLabelKey,
  insertStep,
  layoutOf,
  outgoing,
  type StepType,
  TRIGGER_NODE,
} from '../utils/graph.ts';
import { missingInStep, missingInTrigger } from '../utils/incomplete.ts';
import type { Step, WorkflowDefinition } from '../utils/workflow-types.ts';
import { FlowNode, type FlowNodeType, isolate } from './FlowNode.tsx';

const nodeTypes = { workflow: FlowNode };

/** A few words on what a step does, under its name. */
function summary(step: Step): string {
  switch (step.type) {
    case 'updateRecord':
    case 'createRecord':
      return Object.keys(step.values).join(', ');
    case 'notify':
      return step.message;
    case 'sendEmail':
      return step.subject ?? '';
    case 'wait':
      return step.minutes !== undefined ? `${step.minutes} min` : '';
    case 'branch':
      return step.condition.expr ?? '';
    case 'switch':
      return step.value.expr;
    case 'webhook':
      return step.url;
    case 'runWorkflow':
      return step.forEach ? `∀ ${step.forEach.object}.${step.forEach.via}` : '';
    case 'assign':
      return step.field;
    case 'updateRelated':
      return `${step.object}.${step.via}`;
    case 'waitFor':
      return (step.fields ?? []).join(', ');
    case 'stop':
      return '';
  }
}

/**
 * The workflow as a graph, top-down: the trigger, then its steps; each node has a "+" per way out, steps a delete
 * button, and dragging a node keeps its place in `layout`. The canvas itself is left-to-right in every language.
 */
export function WorkflowCanvas({
  definition,
  onChange,
  selected,
  onSelect,
  onDelete,
}: {
  definition: WorkflowDefinition;
  onChange: (d: WorkflowDefinition) => void;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Asked before a step goes (the editor confirms a branch's lost side). */
  onDelete: (id: string) => void;
}) {
  const { t } = useTranslation();
  // Nodes marked red: a broken link or loop, or a field still to fill in.
  const problems = useMemo(
    () =>
      new Set([
        ...graphProblems(definition).map((p) => p.id),
        ...definition.steps.filter((s) => missingInStep(s).length > 0).map((s) => s.id),
        ...(missingInTrigger(definition.trigger).length ? [TRIGGER_NODE] : []),
      ]),
    [definition],
  );
  const positions = layoutOf(definition);
  const add = (anchor: string) => (handle: Handle, type: StepType) => {
    const { definition: next, id } = insertStep(definition, anchor, handle, type);
    onChange(next);
    onSelect(id);
  };
  const triggerTitle = t(`workflow.triggerType.${definition.trigger.type}`);
  const nodes: FlowNodeType[] = [
    {
      id: TRIGGER_NODE,
      type: 'workflow',
      position: positions[TRIGGER_NODE] ?? { x: 0, y: 0 },
      deletable: false,
      data: {
        kind: 'trigger',
        title: triggerTitle,
        subtitle:
          definition.trigger.type === 'schedule'
            ? definition.trigger.cron
            : definition.trigger.type === 'date'
              ? `${definition.trigger.object}.${definition.trigger.field}`
              : definition.trigger.type === 'event'
                ? t(`workflow.moduleEvent.${definition.trigger.event}`, {
                    defaultValue: definition.trigger.event,
                  })
                : 'object' in definition.trigger
                  ? (definition.trigger.object ?? '')
                  : '',
        handles: [{ handle: 'next', followed: definition.start !== null }],
        selected: selected === TRIGGER_NODE,
        problem: problems.has(TRIGGER_NODE),
        onAdd: add(TRIGGER_NODE),
      },
    },
    ...definition.steps.map(
      (step): FlowNodeType => ({
        id: step.id,
        type: 'workflow',
        position: positions[step.id] ?? { x: 0, y: 0 },
        deletable: false,
        data: {
          kind: step.type,
          title: step.name || t(`workflow.stepType.${step.type}`),
          subtitle: summary(step),
          handles: outgoing(step).map((o) => ({
            handle: o.handle,
            followed: o.target !== null,
            ...(o.label !== undefined ? { label: o.label } : {}),
          })),
          selected: selected === step.id,
          problem: problems.has(step.id),
          onAdd: add(step.id),
          onDelete: () => onDelete(step.id),
        },
      }),
    ),
  ];
  const edges: Edge[] = [
    ...(definition.start
      ? [{ id: `${TRIGGER_NODE}-next`, source: TRIGGER_NODE, sourceHandle: 'next', target: definition.start }]
      : []),
    ...definition.steps.flatMap((s) =>
      outgoing(s)
        .filter((o): o is { handle: Handle; target: string; label?: string } => o.target !== null)
        .map((o) => ({
          id: `${s.id}-${o.handle}`,
          source: s.id,
          sourceHandle: o.handle,
          target: o.target,
          ...(o.handle === 'next'
            ? {}
            : {
                // A case's own words, isolated so a value in another script keeps its order on the canvas.
                label: o.label !== undefined ? isolate(o.label) : t(handleLabelKey(o.handle) ?? ''),
              }),
        })),
    ),
  ];
  const onNodesChange = (changes: NodeChange<FlowNodeType>[]) => {
    let layout = definition.layout;
    for (const c of changes) {
      // Selecting a node from the keyboard (Tab to it, then Enter) opens its panel as a click does.
      if (c.type === 'select' && c.selected) onSelect(c.id);
      if (c.type === 'position' && c.position)
        layout = {
          ...positions,
          ...layout,
          [c.id]: { x: Math.round(c.position.x), y: Math.round(c.position.y) },
        };
    }
    if (layout !== definition.layout) onChange({ ...definition, layout });
  };
  return (
    <section
      dir="ltr"
      data-testid="workflow-canvas"
      aria-label={t('workflow.canvas')}
      style={{ height: '100%', minHeight: 480 }}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_, node) => onSelect(node.id)}
        onPaneClick={() => onSelect(null)}
        nodesConnectable={false}
        deleteKeyCode={null}
        ariaLabelConfig={{
          'node.a11yDescription.default': t('workflow.flow.node'),
          'node.a11yDescription.keyboardDisabled': t('workflow.flow.node'),
          'node.a11yDescription.ariaLiveMessage': ({ x, y }) =>
            t('workflow.flow.moved', { x: Math.round(x), y: Math.round(y) }),
          'edge.a11yDescription.default': t('workflow.flow.edge'),
          'controls.ariaLabel': t('workflow.flow.controls'),
          'controls.zoomIn.ariaLabel': t('workflow.flow.zoomIn'),
          'controls.zoomOut.ariaLabel': t('workflow.flow.zoomOut'),
          'controls.fitView.ariaLabel': t('workflow.flow.fitView'),
          'controls.interactive.ariaLabel': t('workflow.flow.interactive'),
          'minimap.ariaLabel': t('workflow.flow.minimap'),
          'handle.ariaLabel': t('workflow.flow.handle'),
        }}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </section>
  );
}
