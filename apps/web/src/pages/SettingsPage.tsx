import {
  ActionIcon,
  Anchor,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../api/client.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { applyLocale, LOCALES, type Locale } from '../i18n/index.ts';
import { useDocumentTitle } from '../lib/document-title.ts';
import { formatDateTime } from '../lib/format.ts';
import { label, type ObjectDef } from '../lib/metadata.ts';
import { useMe, useMembers, useObjects, usePrefs } from '../lib/session.ts';

const FIELD_TYPES = [
  'text',
  'longText',
  'number',
  'money',
  'date',
  'dateTime',
  'boolean',
  'select',
  'multiSelect',
  'email',
  'phone',
  'url',
  'relation',
  'rating',
  'file',
] as const;
const ROLES = ['admin', 'manager', 'member', 'agent', 'viewer'];
/** Role choices with translated names (custom roles keep their key). */
const roleData = (t: (k: string) => string) => ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }));
const TIME_ZONES = [
  'UTC',
  'Asia/Tehran',
  'Asia/Riyadh',
  'Asia/Dubai',
  'Africa/Cairo',
  'Asia/Baghdad',
  'Asia/Kuwait',
  'Asia/Qatar',
  'Europe/Istanbul',
  'Europe/London',
  'America/New_York',
];

/** Runs an action, showing its error, and refreshes what it changed. */
function useAction() {
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>, refresh: string[][] = []) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      for (const key of refresh) await qc.invalidateQueries({ queryKey: key });
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Title order={3} size="h5" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function Preferences() {
  const { t } = useTranslation();
  const me = useMe().data;
  const prefs = usePrefs();
  const { error, run } = useAction();
  const [name, setName] = useState(me?.user.name ?? '');
  const patch = (body: Record<string, string>) =>
    run(() => call(client.PATCH('/api/v1/me', { body })), [['me']]);
  return (
    <Section title={t('settings.preferences')}>
      <Stack maw={420}>
        <TextInput
          label={t('auth.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          onBlur={() => name && patch({ name })}
        />
        <Select
          label={t('nav.language')}
          data={LOCALES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          value={prefs.locale}
          onChange={async (v) => {
            if (!v) return;
            applyLocale(v as Locale);
            await patch({ locale: v });
          }}
        />
        <Select
          label={t('settings.calendar')}
          data={(['gregory', 'persian', 'islamic-umalqura'] as const).map((c) => ({
            value: c,
            label: t(`calendar.${c}`),
          }))}
          value={prefs.calendar}
          onChange={(v) => v && patch({ calendar: v })}
        />
        <Select
          label={t('settings.digits')}
          data={(['latn', 'arab', 'arabext'] as const).map((d) => ({ value: d, label: t(`digits.${d}`) }))}
          value={prefs.digits}
          onChange={(v) => v && patch({ digits: v })}
        />
        <Select
          label={t('settings.timeZone')}
          data={[...new Set([prefs.timeZone, ...TIME_ZONES])]}
          value={prefs.timeZone}
          searchable
          onChange={(v) => v && patch({ timeZone: v })}
        />
        <Text size="sm" c="dimmed" data-testid="today">
          {formatDateTime(new Date().toISOString(), prefs)}
        </Text>
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}

function WorkspaceSettings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const { error, busy, run } = useAction();
  const [form, setForm] = useState(() => ({
    name: me?.workspace.name ?? '',
    defaultCountry: me?.workspace.defaultCountry ?? '',
    defaultCurrency: me?.workspace.defaultCurrency ?? '',
    defaultLocale: me?.workspace.defaultLocale ?? 'en',
  }));
  const [saved, setSaved] = useState(false);
  return (
    <Section title={t('settings.workspace')}>
      <Stack maw={420}>
        <TextInput
          label={t('settings.wsName')}
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
        />
        <TextInput
          label={t('settings.country')}
          value={form.defaultCountry}
          maxLength={2}
          onChange={(e) => setForm({ ...form, defaultCountry: e.currentTarget.value.toUpperCase() })}
        />
        <TextInput
          label={t('settings.currency')}
          value={form.defaultCurrency}
          maxLength={3}
          onChange={(e) => setForm({ ...form, defaultCurrency: e.currentTarget.value.toUpperCase() })}
        />
        <Select
          label={t('settings.defaultLanguage')}
          data={LOCALES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          value={form.defaultLocale}
          onChange={(v) => v && setForm({ ...form, defaultLocale: v as Locale })}
        />
        <ErrorText error={error} />
        <Group>
          <Button
            loading={busy}
            onClick={async () =>
              setSaved(await run(() => call(client.PATCH('/api/v1/workspace', { body: form })), [['me']]))
            }
          >
            {t('record.save')}
          </Button>
          {saved && <Text size="sm">{t('settings.saved')}</Text>}
        </Group>
      </Stack>
    </Section>
  );
}

function NewField({ object, objects }: { object: ObjectDef; objects: ObjectDef[] }) {
  const { t, i18n } = useTranslation();
  const { error, busy, run } = useAction();
  const empty = {
    key: '',
    type: 'text',
    en: '',
    ar: '',
    fa: '',
    options: '',
    relation: 'people',
    many: false,
    required: false,
    unique: false,
    searchable: false,
  };
  const [f, setF] = useState(empty);
  const submit = async () => {
    const options = f.options
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => ({
        value:
          line
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '_')
            .replace(/^_|_$/g, '') || `o${Math.random().toString(36).slice(2, 7)}`,
        labels: { en: line },
      }));
    const body = {
      key: f.key,
      type: f.type as (typeof FIELD_TYPES)[number],
      labels: { en: f.en, ...(f.ar ? { ar: f.ar } : {}), ...(f.fa ? { fa: f.fa } : {}) },
      required: f.required,
      unique: f.unique,
      searchable: f.searchable,
      ...(f.type === 'select' || f.type === 'multiSelect' ? { options } : {}),
      ...(f.type === 'relation' ? { relation: { object: f.relation, many: f.many } } : {}),
    };
    if (
      await run(
        () =>
          call(
            client.POST('/api/v1/metadata/objects/{object}/fields', {
              params: { path: { object: object.key } },
              body,
            }),
          ),
        [['objects']],
      )
    )
      setF(empty);
  };
  return (
    <Stack gap="xs" data-testid="new-field">
      <Text fw={600} size="sm">
        {t('settings.newField')}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label={t('settings.key')}
          value={f.key}
          onChange={(e) => setF({ ...f, key: e.currentTarget.value })}
          required
          dir="ltr"
        />
        <Select
          label={t('settings.type')}
          data={FIELD_TYPES.map((ty) => ({ value: ty, label: t(`fieldType.${ty}`) }))}
          value={f.type}
          onChange={(v) => setF({ ...f, type: v ?? 'text' })}
        />
        <TextInput
          label={t('settings.labelEn')}
          value={f.en}
          onChange={(e) => setF({ ...f, en: e.currentTarget.value })}
          required
        />
        <TextInput
          label={t('settings.labelAr')}
          value={f.ar}
          onChange={(e) => setF({ ...f, ar: e.currentTarget.value })}
          dir="rtl"
        />
        <TextInput
          label={t('settings.labelFa')}
          value={f.fa}
          onChange={(e) => setF({ ...f, fa: e.currentTarget.value })}
          dir="rtl"
        />
        {(f.type === 'select' || f.type === 'multiSelect') && (
          <Textarea
            label={t('settings.options')}
            value={f.options}
            onChange={(e) => setF({ ...f, options: e.currentTarget.value })}
            autosize
            minRows={2}
          />
        )}
        {f.type === 'relation' && (
          <Group grow>
            <Select
              label={t('settings.relationTo')}
              data={objects.map((o) => ({
                value: o.key,
                label: label(o.labels.plural, i18n.language as Locale),
              }))}
              value={f.relation}
              onChange={(v) => setF({ ...f, relation: v ?? 'people' })}
            />
            <Checkbox
              mt={28}
              label={t('settings.many')}
              checked={f.many}
              onChange={(e) => setF({ ...f, many: e.currentTarget.checked })}
            />
          </Group>
        )}
      </SimpleGrid>
      <Group>
        <Checkbox
          label={t('settings.required')}
          checked={f.required}
          onChange={(e) => setF({ ...f, required: e.currentTarget.checked })}
        />
        <Checkbox
          label={t('settings.unique')}
          checked={f.unique}
          onChange={(e) => setF({ ...f, unique: e.currentTarget.checked })}
        />
        <Checkbox
          label={t('settings.searchable')}
          checked={f.searchable}
          onChange={(e) => setF({ ...f, searchable: e.currentTarget.checked })}
        />
      </Group>
      <ErrorText error={error} />
      <Group>
        <Button onClick={submit} loading={busy}>
          {t('settings.create')}
        </Button>
      </Group>
    </Stack>
  );
}

function ObjectsSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects().data ?? [];
  const [selected, setSelected] = useState<string>('people');
  const object = objects.find((o) => o.key === selected);
  const { error, busy, run } = useAction();
  const [newObject, setNewObject] = useState({ key: '', en: '', enPlural: '', ar: '', fa: '' });
  return (
    <Stack>
      <Section title={t('settings.objects')}>
        <Stack>
          <Select
            label={t('nav.objects')}
            data={objects.map((o) => ({
              value: o.key,
              label: `${label(o.labels.plural, locale)} (${o.custom ? t('settings.custom') : t('settings.standard')})`,
            }))}
            value={selected}
            onChange={(v) => v && setSelected(v)}
            maw={360}
          />
          {object && (
            <Table striped withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.key')}</Table.Th>
                  <Table.Th>{t('list.field')}</Table.Th>
                  <Table.Th>{t('settings.type')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {object.fields.map((f) => (
                  <Table.Tr key={f.key}>
                    <Table.Td>
                      <Code>{f.key}</Code>
                    </Table.Td>
                    <Table.Td>{label(f.labels, locale)}</Table.Td>
                    <Table.Td>{t(`fieldType.${f.type}`)}</Table.Td>
                    <Table.Td>
                      {f.custom && (
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`${t('settings.remove')} ${label(f.labels, locale)}`}
                          onClick={() =>
                            run(
                              () =>
                                call(
                                  client.DELETE('/api/v1/metadata/objects/{object}/fields/{field}', {
                                    params: { path: { object: object.key, field: f.key } },
                                  }),
                                ),
                              [['objects']],
                            )
                          }
                        >
                          <IconTrash size={14} />
                        </ActionIcon>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {object && <NewField object={object} objects={objects} />}
        </Stack>
      </Section>
      <Section title={t('settings.newObject')}>
        <SimpleGrid cols={{ base: 1, sm: 2 }} maw={640}>
          <TextInput
            label={t('settings.key')}
            value={newObject.key}
            onChange={(e) => setNewObject({ ...newObject, key: e.currentTarget.value })}
            dir="ltr"
          />
          <TextInput
            label={`${t('settings.singular')} (English)`}
            value={newObject.en}
            onChange={(e) => setNewObject({ ...newObject, en: e.currentTarget.value })}
          />
          <TextInput
            label={`${t('settings.plural')} (English)`}
            value={newObject.enPlural}
            onChange={(e) => setNewObject({ ...newObject, enPlural: e.currentTarget.value })}
          />
          <TextInput
            label={t('settings.labelAr')}
            value={newObject.ar}
            onChange={(e) => setNewObject({ ...newObject, ar: e.currentTarget.value })}
            dir="rtl"
          />
          <TextInput
            label={t('settings.labelFa')}
            value={newObject.fa}
            onChange={(e) => setNewObject({ ...newObject, fa: e.currentTarget.value })}
            dir="rtl"
          />
        </SimpleGrid>
        <ErrorText error={error} />
        <Button
          mt="sm"
          loading={busy}
          onClick={async () => {
            const ok = await run(
              () =>
                call(
                  client.POST('/api/v1/metadata/objects', {
                    body: {
                      key: newObject.key,
                      labels: {
                        singular: {
                          en: newObject.en,
                          ...(newObject.ar ? { ar: newObject.ar } : {}),
                          ...(newObject.fa ? { fa: newObject.fa } : {}),
                        },
                        plural: {
                          en: newObject.enPlural || newObject.en,
                          ...(newObject.ar ? { ar: newObject.ar } : {}),
                          ...(newObject.fa ? { fa: newObject.fa } : {}),
                        },
                      },
                    },
                  }),
                ),
              [['objects']],
            );
            if (ok) {
              setSelected(newObject.key);
              setNewObject({ key: '', en: '', enPlural: '', ar: '', fa: '' });
            }
          }}
        >
          {t('settings.create')}
        </Button>
      </Section>
    </Stack>
  );
}

function MembersSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const members = useMembers().data ?? [];
  const invitations = useQuery({
    queryKey: ['invitations'],
    queryFn: async () => (await call(client.GET('/api/v1/invitations'))).data,
  });
  const { error, busy, run } = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string | null>('member');
  const [link, setLink] = useState<string | null>(null);
  return (
    <Stack>
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
                      data={roleData(t)}
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
                          [['members']],
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
                          [['members']],
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
      </Section>
      <Section title={t('settings.invite')}>
        <Group align="flex-end">
          <TextInput
            label={t('auth.email')}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <Select label={t('settings.role')} data={roleData(t)} value={role} onChange={setRole} />
          <Button
            loading={busy}
            onClick={() =>
              run(async () => {
                const created = await call(
                  client.POST('/api/v1/invitations', { body: { email, role: role ?? 'member' } }),
                );
                setLink(created.link);
                setEmail('');
              }, [['invitations']])
            }
          >
            {t('settings.invite')}
          </Button>
        </Group>
        {link && (
          <Text size="sm" mt="sm">
            {t('settings.inviteLink')} <Code>{link}</Code>
          </Text>
        )}
        <ErrorText error={error} />
        <Text fw={600} size="sm" mt="md">
          {t('settings.pending')}
        </Text>
        {(invitations.data ?? []).map((i) => (
          <Group key={i.id} gap="xs">
            <Text size="sm">
              {i.email} · {t(`role.${i.role}`, { defaultValue: i.role })} · {t('settings.expires')}{' '}
              {formatDateTime(i.expiresAt, prefs)}
            </Text>
            <Anchor
              size="sm"
              component="button"
              onClick={() =>
                run(
                  () => call(client.DELETE('/api/v1/invitations/{id}', { params: { path: { id: i.id } } })),
                  [['invitations']],
                )
              }
            >
              {t('settings.remove')}
            </Anchor>
          </Group>
        ))}
      </Section>
    </Stack>
  );
}

function TeamsSettings() {
  const { t } = useTranslation();
  const members = useMembers().data ?? [];
  const teams = useQuery({
    queryKey: ['teams'],
    queryFn: async () => (await call(client.GET('/api/v1/teams'))).data,
  });
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
                  [['teams']],
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
                  [['teams']],
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
              (await run(() => call(client.POST('/api/v1/teams', { body: { name } })), [['teams']])) &&
              setName('')
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

type Rule = { read: boolean; create: boolean; update: boolean; delete: boolean; ownRecordsOnly?: boolean };
/** A role's rule per object, each with the column heading that names it on screen and to a screen reader. */
const RULE_COLUMNS = [
  ['read', 'settings.read'],
  ['create', 'settings.createP'],
  ['update', 'settings.update'],
  ['delete', 'settings.deleteP'],
  ['ownRecordsOnly', 'settings.ownOnly'],
] as const;

function RolesSettings() {
  const { t, i18n } = useTranslation();
  const objects = useObjects().data ?? [];
  const roles = useQuery({
    queryKey: ['roles'],
    queryFn: async () => (await call(client.GET('/api/v1/roles'))).data,
  });
  const { error, run } = useAction();
  const [selected, setSelected] = useState<string | null>('agent');
  const role = (roles.data ?? []).find((r) => r.key === selected);
  const perms = role?.permissions as { actions: string[]; objects: Record<string, Rule> } | undefined;
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
            body: { permissions: next as never },
          }),
        ),
      [['roles']],
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

function ApiKeysSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: async () => (await call(client.GET('/api/v1/api-keys'))).data,
  });
  const { error, run } = useAction();
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>('member');
  const [token, setToken] = useState<string | null>(null);
  return (
    <Section title={t('settings.apiKeys')}>
      <Stack>
        <Table.ScrollContainer minWidth={520} type="native">
          <Table withTableBorder>
            <Table.Tbody>
              {(keys.data ?? []).map((k) => (
                <Table.Tr key={k.id}>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td>
                    <Code>{k.tokenPrefix}…</Code>
                  </Table.Td>
                  <Table.Td>{t(`role.${k.role}`, { defaultValue: k.role })}</Table.Td>
                  <Table.Td>
                    {t('settings.lastUsed')}:{' '}
                    {k.lastUsedAt ? formatDateTime(k.lastUsedAt, prefs) : t('settings.never')}
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      color="red"
                      variant="subtle"
                      onClick={() =>
                        run(
                          () =>
                            call(client.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: k.id } } })),
                          [['api-keys']],
                        )
                      }
                    >
                      {t('settings.revoke')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group align="flex-end">
          <TextInput
            label={t('settings.keyName')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Select label={t('settings.role')} data={roleData(t)} value={role} onChange={setRole} />
          <Button
            onClick={() =>
              run(async () => {
                const created = await call(
                  client.POST('/api/v1/api-keys', { body: { name, role: role ?? 'member' } }),
                );
                setToken(created.token);
                setName('');
              }, [['api-keys']])
            }
          >
            {t('settings.newKey')}
          </Button>
        </Group>
        {token && (
          <Text size="sm">
            {t('settings.keyShown')} <Code>{token}</Code>
          </Text>
        )}
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}

export default function SettingsPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('settings.title'));
  const { tab } = useSearch({ from: '/app/settings' });
  const navigate = useNavigate();
  const me = useMe().data;
  const admin = me?.permissions.actions.includes('metadata.manage');
  return (
    <Stack>
      <Title order={2} size="h3">
        {t('settings.title')}
      </Title>
      <Tabs
        value={tab}
        onChange={(v) => void navigate({ to: '/settings', search: { tab: v ?? 'preferences' } })}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="preferences">{t('settings.preferences')}</Tabs.Tab>
          {admin && <Tabs.Tab value="workspace">{t('settings.workspace')}</Tabs.Tab>}
          {admin && <Tabs.Tab value="objects">{t('settings.objects')}</Tabs.Tab>}
          {admin && <Tabs.Tab value="members">{t('settings.members')}</Tabs.Tab>}
          {admin && <Tabs.Tab value="teams">{t('settings.teams')}</Tabs.Tab>}
          {admin && <Tabs.Tab value="roles">{t('settings.roles')}</Tabs.Tab>}
          {admin && <Tabs.Tab value="api-keys">{t('settings.apiKeys')}</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="preferences" pt="md">
          <Preferences />
        </Tabs.Panel>
        <Tabs.Panel value="workspace" pt="md">
          <WorkspaceSettings />
        </Tabs.Panel>
        <Tabs.Panel value="objects" pt="md">
          <ObjectsSettings />
        </Tabs.Panel>
        <Tabs.Panel value="members" pt="md">
          <MembersSettings />
        </Tabs.Panel>
        <Tabs.Panel value="teams" pt="md">
          <TeamsSettings />
        </Tabs.Panel>
        <Tabs.Panel value="roles" pt="md">
          <RolesSettings />
        </Tabs.Panel>
        <Tabs.Panel value="api-keys" pt="md">
          <ApiKeysSettings />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
