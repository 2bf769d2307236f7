import { Group, Select, Stack, TagsInput, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import { OWN_DIRECTION } from '../../email/utils/bidi.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { type Macro, repliesApi, repliesKeys } from '../utils/replies-api.ts';
import { FormFooter, RowActions } from './CannedRepliesEditing.tsx';
import { MergeFieldsHint } from './CannedRepliesMergeFields.tsx';

/** The ticket fields the form sets; the API takes any writable field. */
const SELECTS = ['status', 'priority', 'type'] as const;
type Draft = {
  name: string;
  values: Record<(typeof SELECTS)[number], string | null>;
  tags: string[];
  replyId: string | null;
  replyText: string;
  note: string;
};
const EMPTY: Draft = {
  name: '',
  values: { status: null, priority: null, type: null },
  tags: [],
  replyId: null,
  replyText: '',
  note: '',
};
const draftOf = (m: Macro): Draft => ({
  name: m.name,
  values: {
    status: (m.changes.status as string | undefined) ?? null,
    priority: (m.changes.priority as string | undefined) ?? null,
    type: (m.changes.type as string | undefined) ?? null,
  },
  tags: Array.isArray(m.changes.tags) ? (m.changes.tags as string[]) : [],
  replyId: m.replyId,
  replyText: m.replyText ?? '',
  note: m.note ?? '',
});

/**
 * Settings → Macros: the workspace's macros, and a form for one — ticket fields to set (status, priority, type),
 * tags to add, a shared canned reply or a reply's own text, and an internal note. Everyone sees them (agents apply
 * them); `service.replies.manage` writes them.
 */
export default function MacrosSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const manage = useCan('service.replies.manage');
  const tickets = useObject('tickets');
  const macros = useQuery({ queryKey: repliesKeys.macros, queryFn: repliesApi.macros });
  const replies = useQuery({ queryKey: repliesKeys.search(''), queryFn: () => repliesApi.search('') });
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [deleting, setDeleting] = useState<Macro | null>(null);
  const save = useAction();
  const remove = useAction();
  const problem = (field: string) => fieldError(save.error, field);
  const optionsOf = (key: string) =>
    (tickets?.fields.find((f) => f.key === key)?.options ?? []).map((o) => ({
      value: o.value,
      label: label(o.labels, locale) || o.value,
    }));
  const fieldLabel = (key: string) =>
    label(tickets?.fields.find((f) => f.key === key)?.labels, locale) || key;

  const submit = () => {
    const changes: Record<string, unknown> = {};
    for (const key of SELECTS) if (draft.values[key]) changes[key] = draft.values[key];
    if (draft.tags.length > 0) changes.tags = draft.tags;
    void save
      .run(
        () =>
          repliesApi.saveMacro(editing, {
            name: draft.name,
            changes,
            replyId: draft.replyId,
            replyText: draft.replyId ? null : draft.replyText.trim() || null,
            note: draft.note.trim() || null,
          }),
        [repliesKeys.macros],
      )
      .then((ok) => {
        if (!ok) return;
        setEditing(undefined);
        setDraft(EMPTY);
      });
  };

  return (
    <Stack>
      <Section title={t('replies.macrosTab')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('replies.macrosHint')}
        </Text>
        <ErrorText error={macros.error} />
        {(macros.data ?? []).length === 0 ? (
          <Text size="sm">{t('replies.noMacros')}</Text>
        ) : (
          <Stack gap={4} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {(macros.data ?? []).map((m) => (
              <Group key={m.id} component="li" justify="space-between" data-testid="macro" wrap="nowrap">
                <Text size="sm" dir="auto" truncate>
                  {m.name}
                </Text>
                {manage && (
                  <RowActions
                    name={m.name}
                    onEdit={() => {
                      setEditing(m.id);
                      setDraft(draftOf(m));
                    }}
                    onDelete={() => setDeleting(m)}
                  />
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Section>
      {manage && (
        <Section title={editing ? t('replies.editMacro') : t('replies.newMacro')}>
          <Stack gap="sm" data-testid="macro-form">
            <TextInput
              label={t('replies.name')}
              required
              dir="auto"
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
              error={problem('name')}
            />
            <Group grow align="flex-start">
              {SELECTS.map((key) => (
                <Select
                  key={key}
                  label={fieldLabel(key)}
                  placeholder={t('replies.unchanged')}
                  clearable
                  data={optionsOf(key)}
                  value={draft.values[key]}
                  onChange={(v) => setDraft({ ...draft, values: { ...draft.values, [key]: v } })}
                  error={problem(`changes.${key}`)}
                />
              ))}
            </Group>
            <TagsInput
              label={t('replies.addTags')}
              value={draft.tags}
              onChange={(tags) => setDraft({ ...draft, tags })}
              error={problem('changes.tags')}
            />
            <Select
              label={t('replies.macroReply')}
              placeholder={t('replies.ownText')}
              clearable
              searchable
              data={(replies.data ?? []).filter((r) => r.shared).map((r) => ({ value: r.id, label: r.name }))}
              value={draft.replyId}
              onChange={(v) => setDraft({ ...draft, replyId: v })}
              error={problem('replyId')}
            />
            {!draft.replyId && (
              <Textarea
                label={t('replies.replyText')}
                autosize
                minRows={2}
                styles={OWN_DIRECTION}
                value={draft.replyText}
                onChange={(e) => setDraft({ ...draft, replyText: e.currentTarget.value })}
                error={problem('replyText')}
              />
            )}
            <Textarea
              label={t('replies.note')}
              autosize
              minRows={2}
              styles={OWN_DIRECTION}
              value={draft.note}
              onChange={(e) => setDraft({ ...draft, note: e.currentTarget.value })}
              error={problem('note')}
            />
            <MergeFieldsHint />
            <FormFooter
              editing={editing !== undefined}
              error={save.error}
              busy={save.busy}
              disabled={draft.name.trim() === ''}
              createLabel={t('replies.createMacro')}
              onCancel={() => {
                setEditing(undefined);
                setDraft(EMPTY);
              }}
              onSave={submit}
            />
          </Stack>
        </Section>
      )}
      <ConfirmDelete
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={t('replies.deleteTitle', { name: deleting?.name ?? '' })}
        hint={t('replies.deleteMacroHint')}
        error={remove.error}
        busy={remove.busy}
        onDelete={() => remove.run(() => repliesApi.removeMacro(deleting!.id), [repliesKeys.macros])}
      />
    </Stack>
  );
}
