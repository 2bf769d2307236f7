import { Code, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** Merge fields a canned reply or macro text may use (the server fills them; these are examples). */
const FIELDS = [
  'ticket.number',
  'ticket.subject',
  'requester.firstName',
  'company.name',
  'assignee.name',
  'agent.name',
  'workspace.name',
];

/** The merge fields under a reply's text, each as it is typed. */
export function MergeFieldsHint() {
  const { t } = useTranslation();
  return (
    <Group gap={6} dir="ltr" style={{ justifyContent: 'flex-start' }}>
      <Text size="xs" c="dimmed" dir="auto">
        {t('replies.mergeHint')}
      </Text>
      {FIELDS.map((f) => (
        <Code key={f}>{`{{ ${f} }}`}</Code>
      ))}
    </Group>
  );
}
