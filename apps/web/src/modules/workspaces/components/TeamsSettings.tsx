import { ActionIcon, Button, Group, MultiSelect, Stack, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useMembers } from '../hooks/useMembers.ts';
import { useTeams } from '../hooks/useTeams.ts';
import { workspaceKeys } from '../utils/workspace-keys.ts';

/** Teams and who is in each. */
export default function TeamsSettings() {
  const { t } = useTranslation();
  const members = useMembers().data ?? [];
  const teams = useTeams();
  const { error, run } = useAction();
  const [name, setName] = useState('');
  return (
    <Section title={t('settings.teams')}>
      <Stack>
        {(teams.data ?? []).map((team) => (
          <Group key={team.id} align="flex-end">
            <Text fw={500} w={160}>
              {team.name}
            </Text>
            <MultiSelect
              aria-label={`${t('settings.teamMembers')} ${team.name}`}
              data={members.map((m) => ({ value: m.userId, label: m.name }))}
              value={team.members}
              onChange={(v) =>
                run(
                  () =>
                    call(
                      client.PATCH('/api/v1/teams/{id}', {
                        params: { path: { id: team.id } },
                        body: { members: v },
                      }),
                    ),
                  [workspaceKeys.teams],
                )
              }
              style={{ flex: 1 }}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`${t('settings.remove')} ${team.name}`}
              onClick={() =>
                run(
                  () => call(client.DELETE('/api/v1/teams/{id}', { params: { path: { id: team.id } } })),
                  [workspaceKeys.teams],
                )
              }
            >
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        ))}
        <Group align="flex-end">
          <TextInput
            label={t('settings.teamName')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Button
            onClick={async () =>
              (await run(
                () => call(client.POST('/api/v1/teams', { body: { name } })),
                [workspaceKeys.teams],
              )) && setName('')
            }
          >
            {t('settings.newTeam')}
          </Button>
        </Group>
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}
