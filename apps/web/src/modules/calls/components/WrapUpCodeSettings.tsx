import { Button, Group, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { callCardApi, callCardKeys } from '../utils/call-card-api.ts';
import { type CodeRow, codeRowOf, codesOfRows, QueueWrapUpCodes } from './QueueWrapUpCodes.tsx';

/**
 * Settings → Phone systems: the workspace's wrap-up codes, which agents pick after a call of no queue or of a queue
 * with none of its own; each with a default label and a label per language, so every agent reads them in theirs.
 */
export function WrapUpCodeSettings() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const saved = useQuery({ queryKey: callCardKeys.wrapUpCodes, queryFn: callCardApi.wrapUpCodes });
  const [rows, setRows] = useState<CodeRow[]>([]);
  useEffect(() => setRows((saved.data ?? []).map(codeRowOf)), [saved.data]);
  const save = useMutation({
    mutationFn: () => callCardApi.setWrapUpCodes(codesOfRows(rows)),
    onSuccess: (next) => {
      qc.setQueryData(callCardKeys.wrapUpCodes, next);
      // Every call's list of codes may have changed with it.
      void qc.invalidateQueries({ queryKey: callCardKeys.wrapUpCodes });
    },
  });
  return (
    <Section title={t('callWrapUpCodes.title')}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
        data-testid="wrap-up-code-settings"
      >
        <Stack gap="xs">
          <QueueWrapUpCodes
            rows={rows}
            onChange={setRows}
            error={save.error}
            field="codes"
            hint={rows.length === 0 ? t('callWrapUpCodes.none') : t('callWrapUpCodes.hint')}
            showTitle={false}
            testId="wrap-up"
          />
          <ErrorText error={saved.error ?? save.error} />
          <Group justify="space-between">
            <Text size="xs" c="dimmed" role="status">
              {save.isSuccess ? t('callWrapUpCodes.saved') : ''}
            </Text>
            <Button type="submit" loading={save.isPending} data-testid="wrap-up-codes-save">
              {t('callWrapUpCodes.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
