import {
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { useFormTargets } from '../hooks/useFormTargets.ts';
import { targetName, type WebForm, type WebFormTarget } from '../utils/web-forms-keys.ts';

const LANGS = ['en', 'ar', 'fa'] as const;
type Texts = { en?: string; ar?: string; fa?: string };
type Draft = {
  name: string;
  target: string;
  locale: Locale;
  fields: { key: string; required: boolean; labels: Texts }[];
  thankYou: Texts;
  redirectUrl: string;
  allowedOrigins: string;
  minFillSeconds: number;
  maxPerMinute: number;
  enabled: boolean;
};

const blank = (): Draft => ({
  name: '',
  target: 'leads',
  locale: 'ar',
  fields: [{ key: 'name', required: true, labels: {} }],
  thankYou: {},
  redirectUrl: '',
  allowedOrigins: '',
  minFillSeconds: 3,
  maxPerMinute: 30,
  enabled: true,
});

const fromForm = (f: WebForm): Draft => ({
  name: f.name,
  target: f.target,
  locale: f.locale,
  fields: f.fields,
  thankYou: f.thankYou,
  redirectUrl: f.redirectUrl ?? '',
  allowedOrigins: f.allowedOrigins.join('\n'),
  minFillSeconds: f.minFillSeconds,
  maxPerMinute: f.maxPerMinute,
  enabled: f.enabled,
});

const dirOf = (l: (typeof LANGS)[number]) => (l === 'en' ? 'ltr' : 'rtl');
const clean = (t: Texts): Texts =>
  Object.fromEntries(LANGS.filter((l) => t[l]?.trim()).map((l) => [l, t[l]]));

/** The fields a new form of a target starts with: those every form of it must ask. */
const mustAsk = (target: WebFormTarget | undefined): Draft['fields'] =>
  (target?.fields ?? []).filter((f) => f.mustAsk).map((f) => ({ key: f.key, required: true, labels: {} }));

/**
 * Creates or edits one form: what it makes (a lead or a ticket, chosen once), the fields it asks with labels in
 * three languages, the thank-you, where it may be embedded.
 */
export function WebFormEditor({ form, onDone }: { form?: WebForm | undefined; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const { targets, error } = useFormTargets();
  const [draft, setDraft] = useState<Draft>(() => (form ? fromForm(form) : blank()));
  const eligible = targets.find((x) => x.object === draft.target)?.fields ?? [];
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name: draft.name,
        ...(form ? {} : { target: draft.target }),
        locale: draft.locale,
        fields: draft.fields.map((f) => ({ key: f.key, required: f.required, labels: clean(f.labels) })),
        thankYou: clean(draft.thankYou),
        redirectUrl: draft.redirectUrl.trim() || null,
        allowedOrigins: draft.allowedOrigins
          .split('\n')
          .map((o) => o.trim())
          .filter(Boolean),
        minFillSeconds: draft.minFillSeconds,
        maxPerMinute: draft.maxPerMinute,
        enabled: draft.enabled,
      };
      return form
        ? call(client.PUT('/api/v1/web-forms/{id}', { params: { path: { id: form.id } }, body }))
        : call(client.POST('/api/v1/web-forms', { body }));
    },
    onSuccess: onDone,
  });
  const setFields = (keys: string[]) =>
    setDraft({
      ...draft,
      fields: keys.map(
        (key) =>
          draft.fields.find((f) => f.key === key) ?? {
            key,
            required: eligible.find((f) => f.key === key)?.required ?? false,
            labels: {},
          },
      ),
    });
  const setField = (key: string, patch: Partial<Draft['fields'][number]>) =>
    setDraft({ ...draft, fields: draft.fields.map((f) => (f.key === key ? { ...f, ...patch } : f)) });
  return (
    <Stack data-testid="web-form-editor">
      <Group align="flex-end">
        <Select
          label={t('ticketForms.makes')}
          description={form ? t('ticketForms.makesFixed') : undefined}
          data={targets.map((x) => ({ value: x.object, label: targetName(t, x.object) }))}
          value={draft.target}
          disabled={form !== undefined}
          allowDeselect={false}
          onChange={(v) =>
            v && setDraft({ ...draft, target: v, fields: mustAsk(targets.find((x) => x.object === v)) })
          }
        />
        <TextInput
          label={t('webForms.name')}
          required
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
        />
        <Select
          label={t('webForms.language')}
          data={LANGS.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          value={draft.locale}
          allowDeselect={false}
          onChange={(v) => v && setDraft({ ...draft, locale: v as Locale })}
        />
        <Switch
          label={t('webForms.enabled')}
          checked={draft.enabled}
          onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })}
        />
      </Group>
      <MultiSelect
        label={t('webForms.fields')}
        description={draft.target === 'tickets' ? t('ticketForms.fieldsHint') : t('webForms.fieldsHint')}
        data={eligible.map((f) => ({ value: f.key, label: label(f.labels, locale) }))}
        value={draft.fields.map((f) => f.key)}
        onChange={setFields}
        searchable
      />
      {draft.fields.length > 0 && (
        <Table.ScrollContainer minWidth={640} type="native">
          <Table withTableBorder data-testid="web-form-fields">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('webForms.field')}</Table.Th>
                <Table.Th>{t('settings.required')}</Table.Th>
                <Table.Th>{t('settings.labelEn')}</Table.Th>
                <Table.Th>{t('settings.labelAr')}</Table.Th>
                <Table.Th>{t('settings.labelFa')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {draft.fields.map((f) => {
                const def = eligible.find((d) => d.key === f.key);
                return (
                  <Table.Tr key={f.key}>
                    <Table.Td>{def ? label(def.labels, locale) : f.key}</Table.Td>
                    <Table.Td>
                      <Checkbox
                        aria-label={t('settings.required')}
                        checked={f.required}
                        disabled={def?.required || def?.mustAsk}
                        onChange={(e) => setField(f.key, { required: e.currentTarget.checked })}
                      />
                    </Table.Td>
                    {LANGS.map((l) => (
                      <Table.Td key={l}>
                        <TextInput
                          aria-label={`${t(`language.${l}`)}: ${def ? label(def.labels, locale) : f.key}`}
                          dir={dirOf(l)}
                          placeholder={def?.labels[l] ?? def?.labels.en}
                          value={f.labels[l] ?? ''}
                          onChange={(e) =>
                            setField(f.key, { labels: { ...f.labels, [l]: e.currentTarget.value } })
                          }
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
      <Group grow align="flex-start">
        {LANGS.map((l) => (
          <Textarea
            key={l}
            label={`${t('webForms.thankYou')} (${t(`language.${l}`)})`}
            dir={dirOf(l)}
            autosize
            minRows={2}
            value={draft.thankYou[l] ?? ''}
            onChange={(e) =>
              setDraft({ ...draft, thankYou: { ...draft.thankYou, [l]: e.currentTarget.value } })
            }
          />
        ))}
      </Group>
      <TextInput
        label={t('webForms.redirectUrl')}
        description={t('webForms.redirectHint')}
        dir="ltr"
        placeholder="https://example.com/thanks"
        value={draft.redirectUrl}
        onChange={(e) => setDraft({ ...draft, redirectUrl: e.currentTarget.value })}
      />
      <Textarea
        label={t('webForms.origins')}
        description={t('webForms.originsHint')}
        dir="ltr"
        autosize
        minRows={2}
        placeholder="https://www.example.com"
        value={draft.allowedOrigins}
        onChange={(e) => setDraft({ ...draft, allowedOrigins: e.currentTarget.value })}
      />
      <Group>
        <NumberInput
          label={t('webForms.minFill')}
          min={0}
          max={3600}
          value={draft.minFillSeconds}
          onChange={(v) => setDraft({ ...draft, minFillSeconds: Number(v) || 0 })}
        />
        <NumberInput
          label={t('webForms.maxPerMinute')}
          min={1}
          max={10000}
          value={draft.maxPerMinute}
          onChange={(v) => setDraft({ ...draft, maxPerMinute: Number(v) || 1 })}
        />
      </Group>
      <ErrorText error={save.error ?? error} />
      <Group>
        <Button onClick={() => save.mutate()} loading={save.isPending}>
          {form ? t('webForms.save') : t('webForms.add')}
        </Button>
        {form && (
          <Button variant="default" onClick={onDone}>
            {t('webForms.cancel')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
