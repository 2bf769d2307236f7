import { Button, Group, Menu, Modal, Select, Stack, TextInput } from '@mantine/core';
import { IconBookmark } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useMe } from '../../auth/hooks/useMe.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import { viewKeys } from '../utils/view-keys.ts';

/** Saved views of a list: pick one to apply it, or save the current state for oneself, a team or everyone. */
export function ViewsMenu<S extends object>({
  object,
  state,
  onApply,
}: {
  object: string;
  state: S;
  onApply: (state: S) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const me = useMe().data;
  const views = useQuery({
    queryKey: viewKeys.forObject(object),
    queryFn: async () => (await call(client.GET('/api/v1/views', { params: { query: { object } } }))).data,
  });
  const teams = useTeams();
  const myTeams = (teams.data ?? []).filter((team) => me?.user && team.members.includes(me.user.id));
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [share, setShare] = useState<string | null>('me');
  const [error, setError] = useState<unknown>(null);
  const admin = me?.permissions.actions.includes('metadata.manage');
  return (
    <>
      <Menu position="bottom-end">
        <Menu.Target>
          <Button size="xs" variant="default" leftSection={<IconBookmark size={14} />}>
            {t('list.views')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {(views.data ?? []).length === 0 && <Menu.Label>{t('list.noViews')}</Menu.Label>}
          {(views.data ?? []).map((v) => (
            <Menu.Item key={v.id} onClick={() => onApply(v.state as S)}>
              {v.name}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item onClick={() => setSaving(true)}>{t('list.saveView')}</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={saving} onClose={() => setSaving(false)} title={t('list.saveView')}>
        <Stack>
          <TextInput
            label={t('list.viewName')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
          />
          <Select
            label={t('list.shareWith')}
            value={share}
            onChange={setShare}
            data={[
              { value: 'me', label: t('list.onlyMe') },
              ...myTeams.map((team) => ({ value: team.id, label: `${t('list.team')}: ${team.name}` })),
              ...(admin ? [{ value: 'all', label: t('list.everyone') }] : []),
            ]}
          />
          <ErrorText error={error} />
          <Group justify="flex-end">
            <Button
              onClick={async () => {
                try {
                  await call(
                    client.POST('/api/v1/views', {
                      body: {
                        object,
                        name,
                        state: state as Record<string, unknown>,
                        ...(share === 'all'
                          ? { shared: true }
                          : share && share !== 'me'
                            ? { teamId: share }
                            : {}),
                      },
                    }),
                  );
                  setSaving(false);
                  setName('');
                  await qc.invalidateQueries({ queryKey: viewKeys.forObject(object) });
                } catch (e) {
                  setError(e);
                }
              }}
            >
              {t('record.save')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
