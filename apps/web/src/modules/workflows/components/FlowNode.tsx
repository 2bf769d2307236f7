import { ActionIcon, Badge, Group, Paper, Text } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { Handle as FlowHandle, type Node, type NodeProps, Position } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { HANDLE_LABEL, type Handle, type StepType } from '../utils/graph.ts';
import { AddStepMenu } from './AddStepMenu.tsx';
import { StepIcon } from './StepIcon.tsx';

/** What a node on the canvas shows and can do: the trigger, or a step. */
export type FlowNodeData = {
  kind: StepType | 'trigger';
  title: string;
  subtitle: string;
  /** The ways out (none for a stop; yes and no for a branch), and whether each leads on to a step. */
  handles: { handle: Handle; followed: boolean }[];
  selected: boolean;
  problem: boolean;
  onAdd: (handle: Handle, type: StepType) => void;
  onDelete?: () => void;
};
export type FlowNodeType = Node<FlowNodeData, 'workflow'>;

// Where a branch's two ways leave the node, from the canvas's left (the canvas stays left-to-right).
const HANDLE_LEFT: Record<Handle, string> = {
  next: '50%',
  yes: '25%',
  no: '75%',
  event: '25%',
  timeout: '75%',
};

/**
 * One node: its kind and name, a delete button for steps, and under it a "+" per way out. The canvas is
 * left-to-right; the node's own text follows the user's language (`dir`).
 */
export function FlowNode({ data }: NodeProps<FlowNodeType>) {
  const { t, i18n } = useTranslation();
  return (
    <div style={{ width: 220 }}>
      {data.kind !== 'trigger' ? <FlowHandle type="target" position={Position.Top} /> : null}
      <Paper
        withBorder
        shadow={data.selected ? 'md' : 'xs'}
        p="xs"
        radius="md"
        dir={i18n.dir()}
        data-node-kind={data.kind}
        style={{
          borderColor: data.problem
            ? 'var(--mantine-color-red-6)'
            : data.selected
              ? 'var(--mantine-color-blue-6)'
              : undefined,
          borderWidth: data.selected || data.problem ? 2 : 1,
        }}
      >
        <Group gap={6} wrap="nowrap" justify="space-between">
          <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
            <StepIcon type={data.kind} />
            <Text size="xs" c="dimmed" truncate>
              {data.kind === 'trigger' ? t('workflow.trigger') : t(`workflow.stepType.${data.kind}`)}
            </Text>
          </Group>
          {data.onDelete ? (
            <ActionIcon
              size="xs"
              variant="subtle"
              color="red"
              className="nodrag nopan"
              aria-label={t('workflow.deleteStepNamed', { name: data.title })}
              onClick={(e) => {
                e.stopPropagation();
                data.onDelete?.();
              }}
            >
              <IconTrash size={12} />
            </ActionIcon>
          ) : null}
        </Group>
        <Text size="sm" fw={500} truncate>
          {data.title}
        </Text>
        {data.subtitle ? (
          <Text size="xs" c="dimmed" truncate>
            {data.subtitle}
          </Text>
        ) : null}
      </Paper>
      {data.handles.map(({ handle: h }) => (
        <FlowHandle
          key={h}
          id={h}
          type="source"
          position={Position.Bottom}
          style={{ left: HANDLE_LEFT[h] }}
        />
      ))}
      <div style={{ position: 'relative', height: 28 }}>
        {data.handles.map(({ handle: h, followed }) => (
          <div
            key={h}
            dir={i18n.dir()}
            style={{
              position: 'absolute',
              top: 6,
              left: HANDLE_LEFT[h],
              transform: 'translateX(-50%)',
              display: 'flex',
              gap: 4,
              alignItems: 'center',
            }}
          >
            {h !== 'next' ? (
              <Badge size="xs" variant="light" color={h === 'yes' || h === 'event' ? 'green' : 'gray'}>
                {t(`workflow.${HANDLE_LABEL[h]}`)}
              </Badge>
            ) : null}
            <AddStepMenu
              label={
                h === 'next'
                  ? t('workflow.addStepAfter', { name: data.title })
                  : t('workflow.addStepOnSide', { name: data.title, side: t(`workflow.${HANDLE_LABEL[h]}`) })
              }
              onAdd={(type) => data.onAdd(h, type)}
              allowStop={!followed}
            />
          </div>
        ))}
      </div>
    </div>
  );
}
