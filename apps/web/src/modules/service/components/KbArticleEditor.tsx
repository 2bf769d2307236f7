import {
  Button,
  Card,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { problemFor } from '../../email/utils/field-problem.ts';
import {
  directionOf,
  KB_LOCALES,
  type KbArticle,
  type KbCategory,
  type KbLocale,
  type KbTranslation,
  kbApi,
} from '../utils/kb-api.ts';
import { kbKeys } from '../utils/kb-keys.ts';
import { categoryName } from '../utils/kb-names.ts';

/** One language's column: title, Markdown body and published, in that language's direction, saved on its own. */
function TranslationColumn({
  locale,
  saved,
  canManage,
  onSave,
}: {
  locale: KbLocale;
  saved: KbTranslation | undefined;
  canManage: boolean;
  /** Saves the translation; true when it worked. */
  onSave: (locale: KbLocale, body: { title: string; body: string; published: boolean }) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [title, setTitle] = useState(saved?.title ?? '');
  const [body, setBody] = useState(saved?.body ?? '');
  const [published, setPublished] = useState(saved?.status === 'published');
  const save = useAction();
  const dir = directionOf(locale);
  const language = t(`kb.languages.${locale}`);
  return (
    <Card
      withBorder
      padding="sm"
      data-testid={`kb-translation-${locale}`}
      component="section"
      aria-label={language}
    >
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={4} size="h6">
            {language}
          </Title>
          <Text size="xs" c="dimmed">
            {saved
              ? `${t(saved.status === 'published' ? 'kb.published' : 'kb.draft')} · ${formatDateTime(saved.updatedAt, prefs)}`
              : t('kb.notWritten')}
          </Text>
        </Group>
        <TextInput
          label={t('kb.title')}
          value={title}
          dir={dir}
          lang={locale}
          readOnly={!canManage}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={problemFor(save.error, 'title', `translations.${locale}.title`)}
        />
        <Textarea
          label={t('kb.body')}
          value={body}
          dir={dir}
          lang={locale}
          autosize
          minRows={8}
          maxRows={24}
          readOnly={!canManage}
          onChange={(e) => setBody(e.currentTarget.value)}
          error={problemFor(save.error, 'body', `translations.${locale}.body`)}
        />
        {canManage && (
          <Group justify="space-between">
            <Switch
              label={t('kb.published')}
              checked={published}
              onChange={(e) => setPublished(e.currentTarget.checked)}
            />
            <Button
              size="xs"
              loading={save.busy}
              disabled={title.trim() === ''}
              onClick={() => void save.run(() => onSave(locale, { title, body, published }), [kbKeys.all])}
            >
              {t('kb.save', { language })}
            </Button>
          </Group>
        )}
        <ErrorText error={save.error} />
      </Stack>
    </Card>
  );
}

/**
 * An article's translations side by side (English, Arabic, Persian), each in its own direction, written, published
 * or unpublished on its own; its category; deleting it. A new article is created by saving its first translation.
 */
export function KbArticleEditor({
  articleId,
  categories,
  canManage,
  onCreated,
  onClose,
}: {
  articleId: string | undefined;
  categories: readonly KbCategory[];
  canManage: boolean;
  onCreated: (id: string) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const article = useQuery({
    queryKey: kbKeys.article(articleId ?? 'new'),
    queryFn: () => kbApi.article(articleId!),
    enabled: articleId !== undefined,
  });
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const move = useAction();
  const removal = useAction();
  const current: KbArticle | undefined = article.data;
  const shownCategory = current ? current.categoryId : categoryId;
  const save = async (l: KbLocale, input: { title: string; body: string; published: boolean }) => {
    const body = {
      title: input.title,
      body: input.body,
      status: input.published ? 'published' : 'draft',
    } as const;
    const saved = current
      ? await kbApi.saveTranslation(current.id, l, body)
      : await kbApi.createArticle(categoryId, l, body);
    if (!current) onCreated(saved.id);
    return saved;
  };
  if (articleId !== undefined && !current) return <ErrorText error={article.error} />;
  return (
    <Stack data-testid="kb-editor">
      <Group justify="space-between">
        <Button variant="subtle" size="xs" onClick={onClose}>
          {t('kb.back')}
        </Button>
        {current && canManage && (
          <Button variant="subtle" color="red" size="xs" onClick={() => setDeleting(true)}>
            {t('kb.deleteArticle')}
          </Button>
        )}
      </Group>
      <Select
        label={t('kb.category')}
        w={320}
        data={[
          { value: '', label: t('kb.noCategory') },
          ...categories.map((c) => ({ value: c.id, label: categoryName(c, categories, locale) })),
        ]}
        value={shownCategory ?? ''}
        readOnly={!canManage}
        allowDeselect={false}
        onChange={(v) => {
          const next = v || null;
          if (current)
            void move.run(
              () => kbApi.moveArticle(current.id, next),
              [kbKeys.article(current.id), kbKeys.all],
            );
          else setCategoryId(next);
        }}
      />
      <ErrorText error={move.error} />
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="sm">
        {KB_LOCALES.map((l) => (
          <TranslationColumn
            key={`${current?.id ?? 'new'}-${l}`}
            locale={l}
            saved={current?.translations.find((x) => x.locale === l)}
            canManage={canManage}
            onSave={save}
          />
        ))}
      </SimpleGrid>
      <ConfirmDelete
        opened={deleting}
        onClose={() => setDeleting(false)}
        title={t('kb.deleteArticle')}
        hint={t('kb.deleteArticleHint')}
        error={removal.error}
        busy={removal.busy}
        onDelete={async () => {
          const ok = await removal.run(() => kbApi.deleteArticle(current!.id), [kbKeys.all]);
          if (ok) onClose();
          return ok;
        }}
      />
    </Stack>
  );
}
