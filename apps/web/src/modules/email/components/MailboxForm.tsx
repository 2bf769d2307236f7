import {
  Box,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import {
  isSecurity,
  isVisibility,
  type Mailbox,
  SECURITY_CHOICES,
  type Security,
  VISIBILITY_CHOICES,
} from '../utils/email-types.ts';
import { allPlaced, problemFor, READABLE_ERRORS } from '../utils/field-problem.ts';
import {
  blankDraft,
  createBody,
  draftOf,
  type MailboxDraft,
  patchBody,
  withSecurity,
} from '../utils/mailbox-form.ts';

/** The request fields the form shows under their inputs; any other problem is said above the buttons. */
const PLACED = [
  'name',
  'address',
  'kind',
  'imap',
  'imapHost',
  'smtp',
  'username',
  'auth',
  'secret',
  'syncDays',
  'createPeople',
  'visibility',
];

/** How TLS and STARTTLS are written everywhere (mail providers' help pages use these names). */
const PROTOCOL_NAMES: Record<Exclude<Security, 'none'>, string> = { tls: 'SSL/TLS', starttls: 'STARTTLS' };

/** A port typed into a number box, kept a whole number. */
const port = (v: string | number) => (typeof v === 'number' ? v : Number.parseInt(v, 10) || 0);

/**
 * Connects a mailbox, or edits one: the address, IMAP (and optionally SMTP) server, the login (a password, an app
 * password or an XOAUTH2 access token), how far back to sync, and what others see. Editing leaves the secret empty
 * meaning "keep it". The server's field problems show under their inputs.
 */
export function MailboxForm({
  mailbox,
  canShare,
  onDone,
}: {
  mailbox?: Mailbox | undefined;
  /** Whether the caller may connect a shared mailbox (`mailboxes.manage`). */
  canShare: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<MailboxDraft>(() => (mailbox ? draftOf(mailbox) : blankDraft()));
  const { error, busy, run } = useAction();
  const set = <K extends keyof MailboxDraft>(key: K, value: MailboxDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const err = (...fields: string[]) => problemFor(error, ...fields);
  // The protocols' own names are the same in every language; only "none" is said in words.
  const securityData = SECURITY_CHOICES.map((s: Security) => ({
    value: s,
    label: s === 'none' ? t('email.securityNone') : PROTOCOL_NAMES[s],
  }));
  const submit = async () => {
    const ok = await run(
      () =>
        mailbox
          ? emailApi.updateMailbox(mailbox.id, patchBody(draft, mailbox))
          : emailApi.createMailbox(createBody(draft)),
      [emailKeys.mailboxes],
    );
    if (ok) onDone();
  };
  return (
    <Box
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="mailbox-form"
      style={READABLE_ERRORS}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={t('email.name')}
            description={t('email.nameHint')}
            required
            value={draft.name}
            onChange={(e) => set('name', e.currentTarget.value)}
            error={err('name')}
          />
          <TextInput
            label={t('email.address')}
            type="email"
            dir="ltr"
            required
            value={draft.address}
            onChange={(e) => set('address', e.currentTarget.value)}
            error={err('address')}
          />
        </SimpleGrid>
        {!mailbox && canShare && (
          <Stack gap={4}>
            <Text size="sm" fw={500} id="mailbox-kind">
              {t('email.kindLabel')}
            </Text>
            <SegmentedControl
              aria-labelledby="mailbox-kind"
              value={draft.kind}
              onChange={(v) => set('kind', v === 'shared' ? 'shared' : 'personal')}
              data={[
                { value: 'personal', label: t('email.kind.personal') },
                { value: 'shared', label: t('email.kind.shared') },
              ]}
            />
            {err('kind') && (
              <Text size="xs" c="red.8">
                {err('kind')}
              </Text>
            )}
          </Stack>
        )}
        <Fieldset legend={t('email.imap')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              label={t('email.imapHost')}
              dir="ltr"
              required
              placeholder="imap.example.com"
              value={draft.imapHost}
              onChange={(e) => set('imapHost', e.currentTarget.value)}
              error={err('imap.host', 'imapHost', 'imap')}
            />
            <Select
              label={t('email.imapSecurity')}
              data={securityData}
              value={draft.imapSecurity}
              allowDeselect={false}
              onChange={(v) => isSecurity(v) && setDraft((d) => withSecurity(d, 'imap', v))}
              error={err('imap.security')}
            />
            <NumberInput
              label={t('email.imapPort')}
              min={1}
              max={65535}
              allowDecimal={false}
              value={draft.imapPort}
              onChange={(v) => set('imapPort', port(v))}
              error={err('imap.port')}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t('email.smtp')}>
          <Stack>
            <Switch
              label={t('email.useSmtp')}
              description={t('email.useSmtpHint')}
              checked={draft.useSmtp}
              onChange={(e) => set('useSmtp', e.currentTarget.checked)}
            />
            {draft.useSmtp && (
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <TextInput
                  label={t('email.smtpHost')}
                  dir="ltr"
                  required
                  placeholder="smtp.example.com"
                  value={draft.smtpHost}
                  onChange={(e) => set('smtpHost', e.currentTarget.value)}
                  error={err('smtp.host', 'smtp')}
                />
                <Select
                  label={t('email.smtpSecurity')}
                  data={securityData}
                  value={draft.smtpSecurity}
                  allowDeselect={false}
                  onChange={(v) => isSecurity(v) && setDraft((d) => withSecurity(d, 'smtp', v))}
                  error={err('smtp.security')}
                />
                <NumberInput
                  label={t('email.smtpPort')}
                  min={1}
                  max={65535}
                  allowDecimal={false}
                  value={draft.smtpPort}
                  onChange={(v) => set('smtpPort', port(v))}
                  error={err('smtp.port')}
                />
              </SimpleGrid>
            )}
          </Stack>
        </Fieldset>
        <Fieldset legend={t('email.signIn')}>
          <Stack>
            <TextInput
              label={t('email.username')}
              description={t('email.usernameHint')}
              dir="ltr"
              value={draft.username}
              onChange={(e) => set('username', e.currentTarget.value)}
              error={err('username')}
            />
            <Stack gap={4}>
              <Text size="sm" fw={500} id="mailbox-auth">
                {t('email.authLabel')}
              </Text>
              <SegmentedControl
                aria-labelledby="mailbox-auth"
                value={draft.auth}
                onChange={(v) => set('auth', v === 'xoauth2' ? 'xoauth2' : 'password')}
                data={[
                  { value: 'password', label: t('email.auth.password') },
                  { value: 'xoauth2', label: t('email.auth.xoauth2') },
                ]}
              />
            </Stack>
            <PasswordInput
              label={draft.auth === 'xoauth2' ? t('email.accessToken') : t('email.password')}
              description={
                mailbox
                  ? t('email.secretKeep')
                  : draft.auth === 'xoauth2'
                    ? t('email.accessTokenHint')
                    : t('email.passwordHint')
              }
              visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
              autoComplete="new-password"
              required={!mailbox}
              value={draft.secret}
              onChange={(e) => set('secret', e.currentTarget.value)}
              error={err('secret')}
            />
          </Stack>
        </Fieldset>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput
            label={t('email.syncDays')}
            description={t('email.syncDaysHint')}
            min={1}
            max={3650}
            allowDecimal={false}
            value={draft.syncDays}
            onChange={(v) => set('syncDays', port(v))}
            error={err('syncDays')}
          />
          <Select
            label={t('email.visibility')}
            description={t('email.visibilityHint')}
            data={VISIBILITY_CHOICES.map((v) => ({ value: v, label: t(`email.visibilityChoice.${v}`) }))}
            value={draft.visibility}
            allowDeselect={false}
            onChange={(v) => isVisibility(v) && set('visibility', v)}
            error={err('visibility')}
          />
        </SimpleGrid>
        <Checkbox
          label={t('email.createPeople')}
          description={t('email.createPeopleHint')}
          checked={draft.createPeople}
          onChange={(e) => set('createPeople', e.currentTarget.checked)}
          error={err('createPeople')}
        />
        {allPlaced(error, PLACED) ? (
          <Text size="sm" c="red.8" role="alert">
            {t('email.fixFields')}
          </Text>
        ) : (
          <ErrorText error={error} />
        )}
        <Group justify="flex-end">
          {mailbox && (
            <Button variant="default" onClick={onDone}>
              {t('email.cancel')}
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {mailbox ? t('email.save') : t('email.connect')}
          </Button>
        </Group>
      </Stack>
    </Box>
  );
}
