import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useCan, useMe } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import { type EmailTemplate, TEMPLATE_LANGUAGES } from '../utils/email-types.ts';
import { SignatureForm } from './SignatureForm.tsx';
import { TemplateForm } from './TemplateForm.tsx';
import { TemplateStats } from './TemplateStats.tsx';

/** One template in the list: its name, whether it is shared, its languages, its numbers on demand, and its actions. */
function TemplateCard({
  template: tpl,
  changeable,
  onEdit,
}: {
  template: EmailTemplate;
  changeable: boolean;
  onEdit: () => void;
}) {
  const { t } = useTranslation();
  const [numbers, setNumbers] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { error, busy, run } = useAction();
  const languages = TEMPLATE_LANGUAGES.filter((l) => tpl.variants[l]);
  return (
    <Card withBorder padding="sm" data-testid="email-template" data-name={tpl.name}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={600} dir="auto">
            {tpl.name}
          </Text>
          <Group gap={4}>
            {languages.map((l) => (
              <Badge key={l} variant="light" color="gray">
                {t(`language.${l}`)}
              </Badge>
            ))}
            <Badge variant="outline" color="gray">
              {tpl.shared ? t('email.kind.shared') : t('email.kind.personal')}
            </Badge>
          </Group>
        </Group>
        <Group gap="xs">
          <Button size="xs" variant="default" aria-expanded={numbers} onClick={() => setNumbers((v) => !v)}>
            {numbers ? t('email.hideNumbers') : t('email.showNumbers')}
          </Button>
          {changeable && (
            <>
              <Button size="xs" variant="default" onClick={onEdit}>
                {t('email.edit')}
              </Button>
              <Button size="xs" variant="subtle" color="red" onClick={() => setConfirmDelete(true)}>
                {t('email.delete')}
              </Button>
            </>
          )}
        </Group>
        {numbers && <TemplateStats templateId={tpl.id} name={tpl.name} />}
        <ErrorText error={error} />
      </Stack>
      <ConfirmDelete
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={t('email.deleteTemplateTitle', { name: tpl.name })}
        hint={t('email.deleteTemplateHint')}
        error={error}
        busy={busy}
        onDelete={() => run(() => emailApi.deleteTemplate(tpl.id), [emailKeys.templates])}
      />
    </Card>
  );
}

/**
 * Settings → Email templates: the templates the caller may use (shared ones, changed by mailbox managers, and
 * their own), each with its last 30 days of numbers; the form that writes one; and the caller's signature.
 */
export default function TemplatesSettings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const canShare = useCan('mailboxes.manage');
  const templates = useQuery({ queryKey: emailKeys.templates, queryFn: emailApi.templates });
  const [editing, setEditing] = useState<string | undefined>();
  const [formKey, setFormKey] = useState(0);
  const list = templates.data ?? [];
  const edited = list.find((tpl) => tpl.id === editing);
  const changeable = (tpl: EmailTemplate) =>
    tpl.shared ? canShare : tpl.ownerUserId !== null && tpl.ownerUserId === me?.user?.id;
  const edit = (id: string) => {
    setEditing(id);
    requestAnimationFrame(() =>
      document.querySelector('[data-testid=template-form]')?.scrollIntoView({ block: 'start' }),
    );
  };
  const done = () => {
    setEditing(undefined);
    setFormKey((k) => k + 1);
  };
  return (
    <Stack>
      <Section title={t('email.templates')}>
        <Stack>
          <Text size="sm" c="dimmed">
            {t('email.templatesHint')}
          </Text>
          <ErrorText error={templates.error} />
          {templates.isSuccess && list.length === 0 && <Text size="sm">{t('email.noTemplates')}</Text>}
          {list.map((tpl) => (
            <TemplateCard
              key={tpl.id}
              template={tpl}
              changeable={changeable(tpl)}
              onEdit={() => edit(tpl.id)}
            />
          ))}
        </Stack>
      </Section>
      <Section title={edited ? t('email.editTemplate', { name: edited.name }) : t('email.newTemplate')}>
        <TemplateForm
          key={edited?.id ?? `new-${formKey}`}
          template={edited}
          canShare={canShare}
          onDone={done}
        />
      </Section>
      <Section title={t('email.signature')}>
        <SignatureForm />
      </Section>
    </Stack>
  );
}
