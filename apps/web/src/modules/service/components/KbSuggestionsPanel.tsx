import { Badge, Button, Card, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconLink, IconSearch, IconTextPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { RecordPanelProps } from '../../web-module.ts';
import { insertIntoComposer } from '../hooks/composer-insert.ts';
import { directionOf, type KbHit, kbApi } from '../utils/kb-api.ts';
import { kbKeys } from '../utils/kb-keys.ts';
import { replyLinkOf, replyTextOf } from '../utils/kb-text.ts';

/** One suggested or found article, with the buttons that put its link or its text into the reply. */
function Hit({ hit, ticketId }: { hit: KbHit; ticketId: string }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [missed, setMissed] = useState(false);
  const insert = (text: string) => setMissed(!insertIntoComposer(ticketId, text));
  const insertText = async () => {
    setBusy(true);
    setError(null);
    try {
      const article = await kbApi.article(hit.articleId);
      const translation = article.translations.find((x) => x.locale === hit.locale);
      insert(replyTextOf(hit.title, translation?.body ?? hit.snippet));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack component="li" gap={4} data-testid="kb-hit" data-article={hit.articleId}>
      <Group gap={6} wrap="nowrap" align="baseline">
        <Text size="sm" fw={600} dir="auto" lang={hit.locale}>
          {hit.title}
        </Text>
        {hit.status === 'draft' && (
          <Badge size="xs" variant="light" color="gray">
            {t('kb.draft')}
          </Badge>
        )}
      </Group>
      <Text size="xs" c="dimmed" dir={directionOf(hit.locale)} lang={hit.locale} lineClamp={2}>
        {hit.snippet}
      </Text>
      <Group gap="xs">
        <Button
          size="compact-xs"
          variant="default"
          leftSection={<IconLink size={14} aria-hidden />}
          disabled={!hit.link}
          title={hit.link ? undefined : t('kb.noLinkHint')}
          onClick={() => hit.link && insert(replyLinkOf(hit.title, hit.link))}
        >
          {t('kb.insertLink')}
        </Button>
        <Button
          size="compact-xs"
          variant="default"
          leftSection={<IconTextPlus size={14} aria-hidden />}
          loading={busy}
          onClick={() => void insertText()}
        >
          {t('kb.insertText')}
        </Button>
      </Group>
      {missed && (
        <Text size="xs" c="orange.9" role="status">
          {t('kb.noComposer')}
        </Text>
      )}
      <ErrorText error={error} />
    </Stack>
  );
}

function HitList({ hits, ticketId, testId }: { hits: readonly KbHit[]; ticketId: string; testId: string }) {
  return (
    <Stack gap="sm" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid={testId}>
      {hits.map((h) => (
        <Hit key={`${h.articleId}-${h.locale}`} hit={h} ticketId={ticketId} />
      ))}
    </Stack>
  );
}

/**
 * Beside a ticket: published articles its subject suggests (in the ticket's language first), and a search of the
 * knowledge base; each article's link (to the public help centre) or text goes into the reply being written.
 */
export default function KbSuggestionsPanel({ id }: RecordPanelProps) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [q] = useDebouncedValue(query.trim(), 300);
  const suggested = useQuery({ queryKey: kbKeys.suggested(id), queryFn: () => kbApi.suggested(id) });
  const found = useQuery({
    queryKey: kbKeys.search(q, true),
    queryFn: () => kbApi.search(q, true),
    enabled: q !== '',
  });
  return (
    <Card
      withBorder
      padding="md"
      data-testid="kb-suggestions"
      component="section"
      aria-labelledby="kb-suggested-title"
    >
      <Title order={3} size="sm" mb="xs" id="kb-suggested-title">
        {t('kb.suggested')}
      </Title>
      <ErrorText error={suggested.error} />
      {suggested.isPending && <Loader size="xs" role="status" aria-label={t('kb.loading')} />}
      {suggested.isSuccess && suggested.data.data.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('kb.noSuggestions')}
        </Text>
      )}
      {suggested.isSuccess && <HitList hits={suggested.data.data} ticketId={id} testId="kb-suggested" />}
      <TextInput
        mt="md"
        size="xs"
        type="search"
        label={t('kb.searchArticles')}
        leftSection={<IconSearch size={14} aria-hidden />}
        value={query}
        dir="auto"
        onChange={(e) => setQuery(e.currentTarget.value)}
        data-testid="kb-panel-search"
      />
      {q !== '' && (
        <Stack mt="xs" gap="xs">
          <ErrorText error={found.error} />
          {found.isSuccess && found.data.data.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('kb.noResults')}
            </Text>
          )}
          {found.isSuccess && <HitList hits={found.data.data} ticketId={id} testId="kb-found" />}
        </Stack>
      )}
    </Card>
  );
}
