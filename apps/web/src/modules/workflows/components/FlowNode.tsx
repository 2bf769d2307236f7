import { ActionIcon, Badge, Group, Paper, Text } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { Handle as FlowHandle, type Node, type NodeProps, Position } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { type Handle, handleLabelKey, isCaseHandle, type StepType } from '../utils/graph.ts';
import { AddStepMenu } from './AddStepMenu.tsx';
import { StepIcon } from './StepIcon.tsx';

/** What a node on the canvas shows and can do: the trigger, or a step. */
export type FlowNodeData = {
  kind: StepType | 'trigger';
  title: string;
  subtitle: string;
  /**
   * The ways out (none for a stop; yes and no for a branch; a switch's cases and otherwise), whether each leads on
   * to a step, and a case's own words.
   */
  handles: { handle: Handle; followed: boolean; label?: string }[];
  selected: boolean;
  problem: boolean;
  onAdd: (handle: Handle, type: StepType) => void;
  onDelete?: () => void;
};
export type FlowNodeType = Node<FlowNodeData, 'workflow'>;

// Where the ways leave the node, evenly from the canvas's left (the canvas stays left-to-right): one in the middle,
// a branch's two at a quarter and three quarters, a switch's cases in order and then otherwise.
const handleLeft = (i: number, n: number) => `${((i + 0.5) / n) * 100}%`;
/** Room under the node for each way's badge and "+" (a switch with many cases grows wider). */
const WAY_WIDTH = 100;

/** Text kept whole in either direction (first-strong isolate … pop): a case value in any script. */
export const isolate = (text: string) => `\u2068${text}\u2069`;

const BADGE_COLOR: Partial<Record<Handle, string>> = { yes: 'green', event: 'green' };

/**
 * One node: its kind and name, a delete button for steps, and under it a "+" per way out. The canvas is
 * left-to-right; the node's own text follows the user's language (`dir`).
 */
export function FlowNode({ data }: NodeProps<FlowNodeType>) {
  const { t, i18n } = useTranslation();
  const n = data.handles.length;
  const side = (h: Handle, label: string | undefined) => {
    const key = handleLabelKey(h);
    return label ?? (key ? t(key) : '');
  };
  return (
    <div style={{ width: Math.max(220, n * WAY_WIDTH) }}>
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
      {data.handles.map(({ handle: h }, i) => (
        <FlowHandle
          key={h}
          id={h}
          type="source"
          position={Position.Bottom}
          style={{ left: handleLeft(i, n) }}
        />
      ))}
      <div style={{ position: 'relative', height: 28 }}>
        {data.handles.map(({ handle: h, followed, label }, i) => (
          <div
            key={h}
            dir={i18n.dir()}
            style={{
              position: 'absolute',
              top: 6,
              left: handleLeft(i, n),
              transform: 'translateX(-50%)',
              // Its own width, not what is left of the node to its right.
              width: 'max-content',
              display: 'flex',
              gap: 4,
              alignItems: 'center',
            }}
          >
            {h !== 'next' ? (
              <Badge
                size="xs"
                variant="light"
                color={isCaseHandle(h) ? 'blue' : (BADGE_COLOR[h] ?? 'gray')}
                // A case's words are the user's own and may be long: cut to its share of the node (whole on hover).
                maw={isCaseHandle(h) ? WAY_WIDTH - 30 : undefined}
                tt={isCaseHandle(h) ? 'none' : undefined}
                title={side(h, label)}
                data-way={h}
              >
                <bdi>{side(h, label)}</bdi>
              </Badge>
            ) : null}
            <AddStepMenu
              label={
                h === 'next'
                  ? t('workflow.addStepAfter', { name: data.title })
                  : t('workflow.addStepOnSide', {
                      name: data.title,
                      side: label !== undefined ? isolate(label) : side(h, label),
                    })
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
