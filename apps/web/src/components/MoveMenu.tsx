import { ActionIcon, Menu } from '@mantine/core';
import { IconArrowsExchange } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** The keyboard's way to move a board card: a menu of the other columns (dragging needs a pointer). */
export function MoveMenu<V extends string | null>({
  title,
  columns,
  current,
  onMove,
}: {
  /** The card's title, so the button reads "Move … to" for a screen reader. */
  title: string;
  columns: { value: V; title: string }[];
  current: V;
  onMove: (value: V) => void;
}) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" size="sm" aria-label={t('kanban.moveCard', { title })}>
          <IconArrowsExchange size={14} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('kanban.moveTo')}</Menu.Label>
        {columns
          .filter((c) => c.value !== current)
          .map((c) => (
            <Menu.Item key={c.value ?? ''} onClick={() => onMove(c.value)}>
              {c.title}
            </Menu.Item>
          ))}
      </Menu.Dropdown>
    </Menu>
  );
}
