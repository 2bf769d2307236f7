import {
  IconArrowForkTriple,
  IconBell,
  IconBolt,
  IconClockPause,
  IconGitBranch,
  IconHourglass,
  IconListCheck,
  IconMail,
  IconPencil,
  IconPlayerPlay,
  IconPlayerStop,
  IconSquarePlus,
  IconUserShare,
  IconWebhook,
} from '@tabler/icons-react';
import type { StepType } from '../utils/graph.ts';

const ICONS = {
  updateRecord: IconPencil,
  createRecord: IconSquarePlus,
  updateRelated: IconListCheck,
  notify: IconBell,
  sendEmail: IconMail,
  wait: IconHourglass,
  waitFor: IconClockPause,
  branch: IconGitBranch,
  switch: IconArrowForkTriple,
  webhook: IconWebhook,
  runWorkflow: IconPlayerPlay,
  assign: IconUserShare,
  stop: IconPlayerStop,
  trigger: IconBolt,
} as const;

/** The icon of a kind of step (or of the trigger). */
export function StepIcon({ type, size = 14 }: { type: StepType | 'trigger'; size?: number }) {
  const Icon = ICONS[type];
  return <Icon size={size} aria-hidden />;
}
