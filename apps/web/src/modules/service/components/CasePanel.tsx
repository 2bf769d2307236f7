import type { RecordPanelProps } from '../../web-module.ts';
import { ComplaintPanel } from './ComplaintPanel.tsx';
import { ReturnPanel } from './ReturnPanel.tsx';

/** On a ticket's page: its complaint (details and deadlines) or its return (lines, photos, moves), by its type. */
export default function CasePanel({ id, record }: RecordPanelProps) {
  if (record.type === 'complaint') return <ComplaintPanel id={id} />;
  if (record.type === 'return') return <ReturnPanel id={id} />;
  return null;
}
