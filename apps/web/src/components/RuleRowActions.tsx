import { ActionIcon, Group } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconPencil, IconTrash } from '@tabler/icons-react';

/**
 * The buttons at the end of an ordered rule's row (assignment rules of leads and of tickets): edit, move up, move
 * down, delete. Labels come from the screen, so each names its own rule for a screen reader.
 */
export function RuleRowActions({
  first,
  last,
  labels,
  onEdit,
  onMove,
  onDelete,
}: {
  first: boolean;
  last: boolean;
  labels: { edit: string; up: string; down: string; delete: string };
  onEdit: () => void;
  onMove: (by: -1 | 1) => void;
  onDelete: () => void;
}) {
  return (
    <Group gap={4} wrap="nowrap">
      <ActionIcon variant="subtle" onClick={onEdit} aria-label={labels.edit}>
        <IconPencil size={16} />
      </ActionIcon>
      <ActionIcon variant="subtle" disabled={first} onClick={() => onMove(-1)} aria-label={labels.up}>
        <IconArrowUp size={16} />
      </ActionIcon>
      <ActionIcon variant="subtle" disabled={last} onClick={() => onMove(1)} aria-label={labels.down}>
        <IconArrowDown size={16} />
      </ActionIcon>
      <ActionIcon variant="subtle" color="red" onClick={onDelete} aria-label={labels.delete}>
        <IconTrash size={16} />
      </ActionIcon>
    </Group>
  );
}

/** The ids in a new order: the one at `index` moved `by` places. */
export function movedIds(ids: readonly string[], index: number, by: -1 | 1): string[] {
  const next = [...ids];
  const [id] = next.splice(index, 1);
  next.splice(index + by, 0, id!);
  return next;
}
