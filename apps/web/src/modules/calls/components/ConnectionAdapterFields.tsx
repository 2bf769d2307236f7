import { NumberInput, PasswordInput, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../../components/ErrorText.tsx';
import { useRoles } from '../../roles/hooks/useRoles.ts';
import type { ConnectionType } from '../utils/connections-api.ts';

/** The adapter settings the form edits, as strings (a port as a number); empty means "not set". */
export type AdapterValues = Record<string, string | number | undefined>;

type Field = { key: string; kind?: 'port' | 'channel' | 'role'; ltr?: boolean };

/** The settings of each connection type, in the order the form shows them (the API's table). */
export const ADAPTER_FIELDS: Record<ConnectionType, readonly Field[]> = {
  generic: [],
  'asterisk-ami': [
    { key: 'host', ltr: true },
    { key: 'port', kind: 'port' },
    { key: 'username', ltr: true },
    { key: 'context', ltr: true },
    { key: 'channelTech', kind: 'channel' },
  ],
  'asterisk-ari': [
    { key: 'url', ltr: true },
    { key: 'username', ltr: true },
    { key: 'app', ltr: true },
    { key: 'context', ltr: true },
    { key: 'channelTech', kind: 'channel' },
  ],
  twilio: [
    { key: 'publicUrl', ltr: true },
    { key: 'accountSid', ltr: true },
    { key: 'callerId', ltr: true },
    { key: 'apiUrl', ltr: true },
  ],
  '3cx': [{ key: 'lookupRole', kind: 'role' }],
};

/** Which types take a write-only secret (AMI secret, ARI password, Twilio auth token). */
const SECRET_OF: Partial<Record<ConnectionType, string>> = {
  'asterisk-ami': 'amiSecret',
  'asterisk-ari': 'ariPassword',
  twilio: 'authToken',
};

/** The settings to send: only the type's keys, empty ones left out. */
export function adapterSettingsOf(
  type: ConnectionType,
  values: AdapterValues,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const f of ADAPTER_FIELDS[type]) {
    const v = values[f.key];
    if (typeof v === 'number') out[f.key] = v;
    else if (typeof v === 'string' && v.trim() !== '') out[f.key] = v.trim();
  }
  return out;
}

/** How the connection reaches or checks its phone system: per type, with the secret write-only. */
export function ConnectionAdapterFields({
  type,
  values,
  onChange,
  secret,
  onSecret,
  hasSecret,
  error,
}: {
  type: ConnectionType;
  values: AdapterValues;
  onChange: (values: AdapterValues) => void;
  secret: string;
  onSecret: (secret: string) => void;
  hasSecret: boolean;
  error: unknown;
}) {
  const { t } = useTranslation();
  const roles = useRoles();
  const fields = ADAPTER_FIELDS[type];
  const secretKey = SECRET_OF[type];
  if (fields.length === 0 && !secretKey) return null;
  const set = (key: string, v: string | number | undefined) => onChange({ ...values, [key]: v });
  const label = (key: string) => t(`phoneSystems.adapter.${key}`);
  const hint = (key: string) => t(`phoneSystems.adapter.${key}Hint`, { defaultValue: '' }) || undefined;
  return (
    <Stack gap="xs" data-testid="phone-connection-adapter">
      <Text size="sm" fw={500}>
        {t('phoneSystems.adapter.title')}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {fields.map((f) => {
          const err = fieldError(error, `settings.${f.key}`);
          if (f.kind === 'port')
            return (
              <NumberInput
                key={f.key}
                label={label(f.key)}
                description={hint(f.key)}
                value={values[f.key] ?? ''}
                onChange={(v) => set(f.key, typeof v === 'number' ? v : undefined)}
                min={1}
                max={65535}
                allowDecimal={false}
                placeholder="5038"
                dir="ltr"
                error={err}
              />
            );
          if (f.kind === 'channel')
            return (
              <Select
                key={f.key}
                label={label(f.key)}
                data={['PJSIP', 'SIP', 'IAX2']}
                value={(values[f.key] as string | undefined) ?? null}
                placeholder="PJSIP"
                onChange={(v) => set(f.key, v ?? undefined)}
                error={err}
              />
            );
          if (f.kind === 'role')
            return (
              <Select
                key={f.key}
                label={label(f.key)}
                description={hint(f.key)}
                data={(roles.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
                value={(values[f.key] as string | undefined) ?? null}
                onChange={(v) => set(f.key, v ?? undefined)}
                error={err}
              />
            );
          return (
            <TextInput
              key={f.key}
              label={label(f.key)}
              description={hint(f.key)}
              value={(values[f.key] as string | undefined) ?? ''}
              onChange={(e) => set(f.key, e.currentTarget.value)}
              maxLength={500}
              dir={f.ltr ? 'ltr' : undefined}
              error={err}
            />
          );
        })}
        {secretKey && (
          <PasswordInput
            label={label(secretKey)}
            description={hasSecret ? t('phoneSystems.adapter.keepSecret') : undefined}
            value={secret}
            onChange={(e) => onSecret(e.currentTarget.value)}
            maxLength={500}
            autoComplete="new-password"
            dir="ltr"
            error={fieldError(error, 'secret')}
            data-testid="phone-connection-adapter-secret"
          />
        )}
      </SimpleGrid>
    </Stack>
  );
}
