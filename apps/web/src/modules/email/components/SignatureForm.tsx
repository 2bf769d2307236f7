import { Box, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { OWN_DIRECTION_CODE } from '../utils/bidi.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import { problemFor, READABLE_ERRORS } from '../utils/field-problem.ts';
import { HtmlPreview } from './HtmlPreview.tsx';

/** The caller's signature in HTML, with a live preview; the server keeps it sanitised, and says what it kept. */
export function SignatureForm() {
  const { t } = useTranslation();
  const saved = useQuery({ queryKey: emailKeys.signature, queryFn: emailApi.signature });
  // Null until the person types: the saved signature shows until then.
  const [edited, setEdited] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const { error, busy, run } = useAction();
  const html = edited ?? saved.data ?? '';
  const save = async () => {
    setDone(false);
    if (await run(() => emailApi.setSignature(html), [emailKeys.signature])) {
      setEdited(null);
      setDone(true);
    }
  };
  return (
    <Box
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      data-testid="signature-form"
      style={READABLE_ERRORS}
    >
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {t('email.signatureHint')}
        </Text>
        <Textarea
          label={t('email.signatureHtml')}
          autosize
          minRows={3}
          maxRows={10}
          styles={OWN_DIRECTION_CODE}
          value={html}
          onChange={(e) => {
            setEdited(e.currentTarget.value);
            setDone(false);
          }}
          error={problemFor(error, 'html')}
        />
        <HtmlPreview html={html} dir="auto" title={t('email.signaturePreview')} height={120} />
        {problemFor(error, 'html') === undefined && <ErrorText error={error ?? saved.error} />}
        <Group justify="flex-end" gap="sm">
          {done && (
            <Text size="sm" role="status">
              {t('email.signatureSaved')}
            </Text>
          )}
          <Button type="submit" loading={busy} disabled={saved.isPending}>
            {t('email.saveSignature')}
          </Button>
        </Group>
      </Stack>
    </Box>
  );
}
