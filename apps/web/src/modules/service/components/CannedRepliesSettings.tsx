import { Badge, Checkbox, Group, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import { type CannedReply, type ReplyLanguage, repliesApi, repliesKeys } from '../utils/replies-api.ts';
import { FormFooter, RowActions } from './CannedRepliesEditing.tsx';
import { MergeFieldsHint } from './CannedRepliesMergeFields.tsx';

const LANGUAGES: readonly ReplyLanguage[] = ['fa', 'ar', 'en'];
const EMPTY = { name: '', shortcut: '', folder: '', bodies: { en: '', ar: '', fa: '' }, shared: false };
type Draft = typeof EMPTY;

const draftOf = (r: CannedReply): Draft => ({
  name: r.name,
  shortcut: r.shortcut ?? '',
  folder: r.folder ?? '',
  bodies: { en: r.bodies.en ?? '', ar: r.bodies.ar ?? '', fa: r.bodies.fa ?? '' },
  shared: r.shared,
});

/**
 * Settings → Canned replies: the replies the member may use (shared ones and their own), and a form to write one
 * with a body per language side by side, each in its own direction. Sharing needs `service.replies.manage`.
 */
export default function CannedRepliesSettings() {
  const { t } = useTranslation();
  const manage = useCan('service.replies.manage');
  const replies = useQuery({ queryKey: repliesKeys.search(''), queryFn: () => repliesApi.search('') });
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [deleting, setDeleting] = useState<CannedReply | null>(null);
  const save = useAction();
  const remove = useAction();
  const may = (r: CannedReply) => (r.shared ? manage : true);
  const problem = (field: string) => fieldError(save.error, field);

  const submit = () =>
    void save
      .run(
        () =>
          repliesApi.save(editing, {
            name: draft.name,
            shortcut: draft.shortcut.trim() || null,
            folder: draft.folder.trim() || null,
            bodies: Object.fromEntries(
              LANGUAGES.filter((l) => draft.bodies[l].trim()).map((l) => [l, draft.bodies[l]]),
            ),
            shared: draft.shared,
          }),
        [repliesKeys.all],
      )
      .then((ok) => {
        if (!ok) return;
        setEditing(undefined);
        setDraft(EMPTY);
      });

  return (
    <Stack>
      <Section title={t('replies.tab')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('replies.hint')}
        </Text>
        <ErrorText error={replies.error} />
        {(replies.data ?? []).length === 0 ? (
          <Text size="sm">{t('replies.none')}</Text>
        ) : (
          <Stack gap={4} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {(replies.data ?? []).map((r) => (
              <Group
                key={r.id}
                component="li"
                justify="space-between"
                data-testid="canned-reply"
                wrap="nowrap"
              >
                <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
                  <Text size="sm" dir="auto" truncate>
                    {r.name}
                  </Text>
                  {r.shortcut && (
                    <Text size="xs" c="dimmed" dir="ltr">
                      /{r.shortcut}
                    </Text>
                  )}
                  {r.folder && (
                    <Text size="xs" c="dimmed" dir="auto">
                      {r.folder}
                    </Text>
                  )}
                  <Badge size="xs" variant="light" color={r.shared ? 'blue' : 'gray'}>
                    {r.shared ? t('replies.shared') : t('replies.personal')}
                  </Badge>
                </Group>
                {may(r) && (
                  <RowActions
                    name={r.name}
                    onEdit={() => {
                      setEditing(r.id);
                      setDraft(draftOf(r));
                    }}
                    onDelete={() => setDeleting(r)}
                  />
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Section>
      <Section title={editing ? t('replies.editTitle') : t('replies.newTitle')}>
        <Stack gap="sm" data-testid="canned-reply-form">
          <Group grow align="flex-start">
            <TextInput
              label={t('replies.name')}
              required
              dir="auto"
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
              error={problem('name')}
            />
            <TextInput
              label={t('replies.shortcut')}
              description={t('replies.shortcutHint')}
              dir="ltr"
              value={draft.shortcut}
              onChange={(e) => setDraft({ ...draft, shortcut: e.currentTarget.value })}
              error={problem('shortcut')}
            />
            <TextInput
              label={t('replies.folder')}
              dir="auto"
              value={draft.folder}
              onChange={(e) => setDraft({ ...draft, folder: e.currentTarget.value })}
              error={problem('folder')}
            />
          </Group>
          <MergeFieldsHint />
          <Group grow align="flex-start">
            {LANGUAGES.map((l) => (
              <Textarea
                key={l}
                label={t('replies.bodyIn', { language: t(`language.${l}`) })}
                lang={l}
                dir={l === 'en' ? 'ltr' : 'rtl'}
                autosize
                minRows={4}
                maxRows={12}
                value={draft.bodies[l]}
                onChange={(e) =>
                  setDraft({ ...draft, bodies: { ...draft.bodies, [l]: e.currentTarget.value } })
                }
                error={problem(`bodies.${l}`)}
              />
            ))}
          </Group>
          {manage && (
            <Checkbox
              label={t('replies.shareLabel')}
              checked={draft.shared}
              onChange={(e) => setDraft({ ...draft, shared: e.currentTarget.checked })}
            />
          )}
          <FormFooter
            editing={editing !== undefined}
            error={save.error}
            busy={save.busy}
            disabled={draft.name.trim() === ''}
            createLabel={t('replies.create')}
            onCancel={() => {
              setEditing(undefined);
              setDraft(EMPTY);
            }}
            onSave={submit}
          />
        </Stack>
      </Section>
      <ConfirmDelete
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={t('replies.deleteTitle', { name: deleting?.name ?? '' })}
        hint={t('replies.deleteHint')}
        error={remove.error}
        busy={remove.busy}
        onDelete={() => remove.run(() => repliesApi.remove(deleting!.id), [repliesKeys.all])}
      />
    </Stack>
  );
}
