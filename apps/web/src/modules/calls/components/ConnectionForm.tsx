import {
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import {
  type CallConnection,
  CONNECTION_TYPES,
  type ConnectionInput,
  type ConnectionType,
  connectionKeys,
  connectionsApi,
} from '../utils/connections-api.ts';
import {
  type AdapterValues,
  adapterSettingsOf,
  ConnectionAdapterFields,
} from './ConnectionAdapterFields.tsx';
import { ConnectionExtensions, type ExtensionRow } from './ConnectionExtensions.tsx';

/**
 * Makes or changes a phone connection: its name, type, country, the prefixes its phone system puts before numbers,
 * the wrap-up time after an answered call, which member answers each extension, and its credentials (a new API
 * key or signing secret replaces the old one, and is shown once).
 */
export function ConnectionForm({
  connection,
  onSaved,
  onCancel,
}: {
  connection: CallConnection | null;
  onSaved: (saved: CallConnection) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [name, setName] = useState(connection?.name ?? '');
  const [type, setType] = useState<ConnectionType>((connection?.type as ConnectionType) ?? 'generic');
  const [country, setCountry] = useState(connection?.country ?? '');
  const [prefixes, setPrefixes] = useState<string[]>(connection?.stripPrefixes ?? []);
  const [wrapUp, setWrapUp] = useState<number>(connection?.wrapUpSeconds ?? 30);
  const [rows, setRows] = useState<ExtensionRow[]>(() =>
    Object.entries(connection?.extensions ?? {}).map(([extension, userId]) => ({ extension, userId })),
  );
  const [newKey, setNewKey] = useState(connection === null);
  const [newSecret, setNewSecret] = useState(false);
  const [adapter, setAdapter] = useState<AdapterValues>(
    () => ({ ...(connection?.settings ?? {}) }) as AdapterValues,
  );
  // Write-only: empty keeps the stored one.
  const [adapterSecret, setAdapterSecret] = useState('');
  const error = action.error;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const extensions = Object.fromEntries(
      rows.filter((r) => r.extension.trim() !== '' && r.userId).map((r) => [r.extension.trim(), r.userId!]),
    );
    const body: Partial<ConnectionInput> = {
      name,
      type,
      extensions,
      stripPrefixes: prefixes,
      wrapUpSeconds: wrapUp,
      ...(country.trim() ? { country: country.trim().toUpperCase() } : {}),
      ...(Object.keys(adapterSettingsOf(type, adapter)).length > 0
        ? { settings: adapterSettingsOf(type, adapter) as ConnectionInput['settings'] }
        : {}),
      ...(adapterSecret !== '' ? { secret: adapterSecret } : {}),
      // A new connection always has a credential: a key unless only a secret was asked for.
      ...(connection === null
        ? { newApiKey: newKey || !newSecret, newSigningSecret: newSecret }
        : { ...(newKey ? { newApiKey: true } : {}), ...(newSecret ? { newSigningSecret: true } : {}) }),
    };
    void action.run(async () => {
      const saved =
        connection === null
          ? await connectionsApi.create(body as ConnectionInput)
          : await connectionsApi.update(connection.id, body);
      onSaved(saved);
    }, [connectionKeys.all]);
  };

  return (
    <form onSubmit={submit} data-testid="phone-connection-form">
      <Stack gap="sm">
        <TextInput
          label={t('phoneSystems.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          required
          maxLength={200}
          error={fieldError(error, 'name')}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('phoneSystems.type')}
            data={CONNECTION_TYPES.map((v) => ({ value: v, label: t(`phoneSystems.types.${v}`) }))}
            value={type}
            allowDeselect={false}
            onChange={(v) => v && setType(v as ConnectionType)}
          />
          <TextInput
            label={t('phoneSystems.country')}
            description={t('phoneSystems.countryHint')}
            value={country}
            onChange={(e) => setCountry(e.currentTarget.value.toUpperCase())}
            maxLength={2}
            dir="ltr"
            error={fieldError(error, 'country')}
          />
        </SimpleGrid>
        <TagsInput
          label={t('phoneSystems.prefixes')}
          description={t('phoneSystems.prefixesHint')}
          value={prefixes}
          onChange={setPrefixes}
          maxTags={20}
          dir="ltr"
          error={fieldError(error, 'stripPrefixes')}
        />
        <NumberInput
          label={t('phoneSystems.wrapUp')}
          description={t('phoneSystems.wrapUpHint')}
          value={wrapUp}
          onChange={(v) => setWrapUp(typeof v === 'number' ? v : Number(v) || 0)}
          min={0}
          max={3600}
          allowDecimal={false}
          error={fieldError(error, 'wrapUpSeconds')}
        />
        <ConnectionAdapterFields
          type={type}
          values={adapter}
          onChange={setAdapter}
          secret={adapterSecret}
          onSecret={setAdapterSecret}
          hasSecret={connection?.hasAdapterSecret ?? false}
          error={error}
        />
        <ConnectionExtensions rows={rows} onChange={setRows} error={error} />
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            {t('phoneSystems.credentials')}
          </Text>
          <Checkbox
            label={connection ? t('phoneSystems.newKey') : t('phoneSystems.makeKey')}
            checked={newKey}
            onChange={(e) => setNewKey(e.currentTarget.checked)}
          />
          <Checkbox
            label={connection ? t('phoneSystems.newSecret') : t('phoneSystems.makeSecret')}
            checked={newSecret}
            onChange={(e) => setNewSecret(e.currentTarget.checked)}
          />
          {connection && (newKey || newSecret) && (
            <Text size="xs" c="orange">
              {t('phoneSystems.replaceWarning')}
            </Text>
          )}
        </Stack>
        <ErrorText error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t('record.cancel')}
          </Button>
          <Button type="submit" loading={action.busy} data-testid="phone-connection-save">
            {t('phoneSystems.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
