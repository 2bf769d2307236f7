import { Button, Code, Group, Stack, Switch, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import { kbApi } from '../utils/kb-api.ts';
import { kbKeys } from '../utils/kb-keys.ts';
import { KbArticleEditor } from './KbArticleEditor.tsx';
import { KbArticleList } from './KbArticleList.tsx';
import { KbCategories } from './KbCategories.tsx';

/**
 * Settings → Knowledge base: the public help centre switched on or off, the categories, and the articles, each
 * opened into its translations side by side. Everyone signed in reads it; `service.kb.manage` changes it, as the
 * server checks anyway.
 */
export default function KbSettings() {
  const { t } = useTranslation();
  const canManage = useCan('service.kb.manage');
  const categories = useQuery({ queryKey: kbKeys.categories, queryFn: kbApi.categories });
  const site = useQuery({ queryKey: kbKeys.site, queryFn: kbApi.site });
  const toggle = useAction();
  // undefined: the list; 'new': an article not yet saved; else the open article's id.
  const [open, setOpen] = useState<string | undefined>();
  const list = categories.data ?? [];
  if (open !== undefined)
    return (
      <Section title={t('kb.articles')}>
        <KbArticleEditor
          articleId={open === 'new' ? undefined : open}
          categories={list}
          canManage={canManage}
          onCreated={setOpen}
          onClose={() => setOpen(undefined)}
        />
      </Section>
    );
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('kb.hint')}
      </Text>
      <Section title={t('kb.helpCentre')}>
        <Stack gap="xs">
          <Text size="sm">{t('kb.helpCentreHint')}</Text>
          <Switch
            label={t('kb.helpCentreOn')}
            checked={site.data?.enabled ?? false}
            disabled={!canManage || !site.isSuccess}
            onChange={(e) => {
              const enabled = e.currentTarget.checked;
              void toggle.run(() => kbApi.setSite(enabled), [kbKeys.site, kbKeys.all]);
            }}
            data-testid="kb-site-switch"
          />
          {site.data?.enabled && site.data.publicId && (
            <Text size="sm">
              {t('kb.publicId')}: <Code>{site.data.publicId}</Code>
            </Text>
          )}
          <ErrorText error={site.error ?? toggle.error} />
        </Stack>
      </Section>
      <Section title={t('kb.categories')}>
        <ErrorText error={categories.error} />
        <KbCategories categories={list} canManage={canManage} />
      </Section>
      <Section title={t('kb.articles')}>
        {canManage && (
          <Group mb="xs">
            <Button size="xs" onClick={() => setOpen('new')} data-testid="kb-new-article">
              {t('kb.newArticle')}
            </Button>
          </Group>
        )}
        <KbArticleList categories={list} onOpen={setOpen} />
      </Section>
    </Stack>
  );
}
