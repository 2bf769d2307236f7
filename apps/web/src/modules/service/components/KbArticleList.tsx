import { Badge, Button, Group, Select, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { KB_LOCALES, type KbArticleSummary, type KbCategory, kbApi } from '../utils/kb-api.ts';
import { kbKeys } from '../utils/kb-keys.ts';
import { categoryName, categoryTree } from '../utils/kb-names.ts';

/** The title to show an article by: the user's language's, else the first translation's. */
function titleOf(article: KbArticleSummary, locale: string): string | undefined {
  return (article.translations.find((x) => x.locale === locale) ?? article.translations[0])?.title;
}

/** Articles, most recently changed first (more on demand), with each language's status; filtered by category. */
export function KbArticleList({
  categories,
  onOpen,
}: {
  categories: readonly KbCategory[];
  onOpen: (id: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const [categoryId, setCategoryId] = useState<string | undefined>();
  const articles = useInfiniteQuery({
    queryKey: kbKeys.articles(categoryId),
    queryFn: ({ pageParam }) => kbApi.articles(pageParam, categoryId),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = articles.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Stack gap="xs">
      <Select
        label={t('kb.category')}
        w={320}
        data={[
          { value: '', label: t('kb.allCategories') },
          ...categoryTree(categories).map(({ category }) => ({
            value: category.id,
            label: categoryName(category, categories, i18n.language),
          })),
        ]}
        value={categoryId ?? ''}
        allowDeselect={false}
        onChange={(v) => setCategoryId(v || undefined)}
      />
      <ErrorText error={articles.error} />
      {articles.isSuccess && rows.length === 0 ? (
        <Text size="sm">{t('kb.noArticles')}</Text>
      ) : (
        <Table data-testid="kb-articles">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('kb.title')}</Table.Th>
              <Table.Th>{t('kb.languagesHeader')}</Table.Th>
              <Table.Th>{t('kb.updated')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr key={a.id} data-testid="kb-article-row">
                <Table.Td>
                  <UnstyledButton onClick={() => onOpen(a.id)} c="blue.9" td="underline">
                    <bdi>{titleOf(a, i18n.language) ?? t('kb.untitled')}</bdi>
                  </UnstyledButton>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {KB_LOCALES.map((l) => {
                      const tr = a.translations.find((x) => x.locale === l);
                      return tr ? (
                        <Badge
                          key={l}
                          size="sm"
                          variant={tr.status === 'published' ? 'filled' : 'outline'}
                          color={tr.status === 'published' ? 'teal.9' : 'gray.8'}
                          title={t(tr.status === 'published' ? 'kb.published' : 'kb.draft')}
                        >
                          {t(`kb.languages.${l}`)} ·{' '}
                          {t(tr.status === 'published' ? 'kb.published' : 'kb.draft')}
                        </Badge>
                      ) : null;
                    })}
                  </Group>
                </Table.Td>
                <Table.Td>{formatDateTime(a.updatedAt, prefs)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {articles.hasNextPage && (
        <Group>
          <Button
            size="xs"
            variant="default"
            loading={articles.isFetchingNextPage}
            onClick={() => void articles.fetchNextPage()}
          >
            {t('kb.loadMore')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
