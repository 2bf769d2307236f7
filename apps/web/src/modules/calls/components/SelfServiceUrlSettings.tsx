import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { cardExtrasApi, cardExtrasKeys } from '../utils/card-extras-api.ts';

/** Settings → Phone systems: the page a self-service link opens when the agent picks no help-centre article. */
export function SelfServiceUrlSettings() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const saved = useQuery({ queryKey: cardExtrasKeys.selfServiceUrl, queryFn: cardExtrasApi.selfServiceUrl });
  const [url, setUrl] = useState('');
  useEffect(() => setUrl(saved.data ?? ''), [saved.data]);
  const save = useMutation({
    mutationFn: () => cardExtrasApi.setSelfServiceUrl(url.trim() === '' ? null : url.trim()),
    onSuccess: (next) => qc.setQueryData(cardExtrasKeys.selfServiceUrl, next),
  });
  return (
    <Section title={t('callExtras.selfServiceUrlTitle')}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="xs" data-testid="self-service-url">
          <Text size="sm" c="dimmed">
            {t('callExtras.selfServiceUrlHint')}
          </Text>
          <Group gap="xs" align="flex-end">
            <TextInput
              style={{ flex: 1 }}
              label={t('callExtras.selfServiceUrl')}
              type="url"
              dir="ltr"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              maxLength={2000}
              error={fieldError(save.error, 'url')}
            />
            <Button type="submit" loading={save.isPending}>
              {t('callExtras.saveUrl')}
            </Button>
          </Group>
          <Text size="xs" c="dimmed" role="status">
            {save.isSuccess ? t('callExtras.urlSaved') : ''}
          </Text>
          <ErrorText error={saved.error ?? save.error} />
        </Stack>
      </form>
    </Section>
  );
}
