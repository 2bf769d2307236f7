import { Kbd, Modal, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const KEYS: [string[], string][] = [
  [['j', 'k'], 'move'],
  [['Enter', 'o'], 'open'],
  [['r'], 'reply'],
  [['n'], 'note'],
  [['a'], 'assign'],
  [['s'], 'status'],
  [['?'], 'help'],
];

/** The inbox's keyboard shortcuts, shown by `?`. */
export function InboxShortcuts({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('inbox.shortcuts')}>
      <Stack gap="sm">
        <Table>
          <Table.Tbody>
            {KEYS.map(([keys, what]) => (
              <Table.Tr key={what}>
                <Table.Td>
                  {keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 ? ' / ' : ''}
                      <Kbd dir="ltr">{k}</Kbd>
                    </span>
                  ))}
                </Table.Td>
                <Table.Td>{t(`inbox.keys.${what}`)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="sm" c="dimmed">
          {t('inbox.keysHint')}
        </Text>
      </Stack>
    </Modal>
  );
}
