import { Checkbox, Select, Stack, Table } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { type Role, useRoles } from '../hooks/useRoles.ts';
import { roleKeys } from '../utils/role-keys.ts';

type Rule = Role['permissions']['objects'][string];
/** A role's rule per object, each with the column heading that names it on screen and to a screen reader. */
const RULE_COLUMNS = [
  ['read', 'settings.read'],
  ['create', 'settings.createP'],
  ['update', 'settings.update'],
  ['delete', 'settings.deleteP'],
  ['ownRecordsOnly', 'settings.ownOnly'],
] as const;

/** What each role may do with each object's records. */
export default function RolesSettings() {
  const { t, i18n } = useTranslation();
  const objects = useObjects().data ?? [];
  const roles = useRoles();
  const { error, run } = useAction();
  const [selected, setSelected] = useState<string | null>('agent');
  const role = (roles.data ?? []).find((r) => r.key === selected);
  const perms = role?.permissions;
  const ruleOf = (key: string): Rule =>
    perms?.objects[key] ??
    perms?.objects['*'] ?? { read: false, create: false, update: false, delete: false };
  const setRule = (key: string, patch: Partial<Rule>) => {
    if (!perms || !role) return;
    const next = { ...perms, objects: { ...perms.objects, [key]: { ...ruleOf(key), ...patch } } };
    void run(
      () =>
        call(
          client.PATCH('/api/v1/roles/{key}', {
            params: { path: { key: role.key } },
            body: { permissions: next },
          }),
        ),
      [roleKeys.all],
    );
  };
  return (
    <Section title={t('settings.roles')}>
      <Stack>
        <Select
          aria-label={t('settings.role')}
          data={(roles.data ?? []).map((r) => ({
            value: r.key,
            label: t(`role.${r.key}`, { defaultValue: r.name }),
          }))}
          value={selected}
          onChange={setSelected}
          maw={240}
        />
        {perms && (
          <Table.ScrollContainer minWidth={520} type="native">
            <Table withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.objects')}</Table.Th>
                  {RULE_COLUMNS.map(([k, heading]) => (
                    <Table.Th key={k}>{t(heading)}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {objects.map((o) => {
                  const rule = ruleOf(o.key);
                  const name = label(o.labels.plural, i18n.language as Locale);
                  return (
                    <Table.Tr key={o.key}>
                      <Table.Td>{name}</Table.Td>
                      {RULE_COLUMNS.map(([k, heading]) => (
                        <Table.Td key={k}>
                          <Checkbox
                            aria-label={`${name}: ${t(heading)}`}
                            checked={Boolean(rule[k])}
                            disabled={role?.key === 'admin'}
                            onChange={(e) => setRule(o.key, { [k]: e.currentTarget.checked })}
                          />
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}
