import { ActionIcon, Select, Table } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useRoleChoices } from '../../roles/hooks/useRoles.ts';
import { useMembers } from '../hooks/useMembers.ts';
import { workspaceKeys } from '../utils/workspace-keys.ts';

/** Every member with their role, which can be changed to any role of the workspace, and removal. */
export function MembersTable() {
  const { t } = useTranslation();
  const members = useMembers().data ?? [];
  const roleChoices = useRoleChoices();
  const { error, run } = useAction();
  return (
    <Section title={t('settings.members')}>
      <Table.ScrollContainer minWidth={520} type="native">
        <Table withTableBorder>
          <Table.Tbody>
            {members.map((m) => (
              <Table.Tr key={m.userId}>
                <Table.Td>{m.name}</Table.Td>
                <Table.Td>{m.email}</Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`${t('settings.role')} ${m.name}`}
                    data={roleChoices}
                    value={m.role}
                    miw={140}
                    size="xs"
                    onChange={(v) =>
                      v &&
                      run(
                        () =>
                          call(
                            client.PATCH('/api/v1/members/{userId}', {
                              params: { path: { userId: m.userId } },
                              body: { role: v },
                            }),
                          ),
                        [workspaceKeys.members],
                      )
                    }
                  />
                </Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`${t('settings.remove')} ${m.name}`}
                    onClick={() =>
                      run(
                        () =>
                          call(
                            client.DELETE('/api/v1/members/{userId}', {
                              params: { path: { userId: m.userId } },
                            }),
                          ),
                        [workspaceKeys.members],
                      )
                    }
                  >
                    <IconTrash size={14} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <ErrorText error={error} />
    </Section>
  );
}
