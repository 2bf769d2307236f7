import { ActionIcon, Menu } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { STEP_TYPES, type StepType } from '../utils/graph.ts';
import { StepIcon } from './StepIcon.tsx';

/** The "+" under a node (or a branch's side): a menu of the kinds of step to put there. */
export function AddStepMenu({
  label,
  onAdd,
  allowStop,
}: {
  label: string;
  onAdd: (type: StepType) => void;
  /** A stop is offered only where nothing follows, so it cuts no step off. */
  allowStop: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom" withinPortal>
      <Menu.Target>
        <ActionIcon size="sm" radius="xl" variant="default" aria-label={label} className="nodrag nopan">
          <IconPlus size={12} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('workflow.addStep')}</Menu.Label>
        {STEP_TYPES.filter((type) => allowStop || type !== 'stop').map((type) => (
          <Menu.Item
            key={type}
            leftSection={<StepIcon type={type} />}
            onClick={(e) => {
              // The menu sits inside its node in React's tree: a click here would also reach the node's own
              // click (selecting it) after the new step was selected.
              e.stopPropagation();
              onAdd(type);
            }}
          >
            {t(`workflow.stepType.${type}`)}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
