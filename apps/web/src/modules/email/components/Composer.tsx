import {
  Box,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type QueryKey, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateInput } from '../../../components/DateInput.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';
import { OWN_DIRECTION } from '../utils/bidi.ts';
import { emailApi } from '../utils/email-api.ts';
import { splitAddresses } from '../utils/email-entry.ts';
import { emailKeys } from '../utils/email-keys.ts';
import {
  isTemplateLanguage,
  type OutboxBody,
  type OutboxEntry,
  TEMPLATE_LANGUAGES,
  type TemplateLanguage,
} from '../utils/email-types.ts';
import { allPlaced, problemFor, READABLE_ERRORS } from '../utils/field-problem.ts';
import { addPendingSend, UNDO_SECONDS } from '../utils/pending-sends.ts';
import { defaultSendLater, zonedInstant } from '../utils/send-time.ts';
import { TimeSelect } from './TimeSelect.tsx';

/** What a template gave the composer: its HTML, sent as long as the text it gave is left as it was. */
interface RenderedBody {
  html: string;
  text: string;
  language: string | null;
}

/**
 * What the composer opens with: a new message from a record, a reply (its mailbox chosen, "Re:" subject), or a
 * message whose send was undone, as it was.
 */
export interface ComposerStart {
  mailboxId?: string | null | undefined;
  to?: readonly string[] | undefined;
  cc?: readonly string[] | undefined;
  subject?: string | undefined;
  body?: string | undefined;
  /** The id of the message replied to: the reply stays in its thread. */
  replyTo?: string | undefined;
  /** The thread replied in, refreshed once the reply is sent. */
  threadId?: string | undefined;
  templateId?: string | null | undefined;
  language?: TemplateLanguage | null | undefined;
  rendered?: RenderedBody | null | undefined;
  signature?: boolean | undefined;
  track?: boolean | undefined;
}

const FIELDS = ['mailboxId', 'to', 'cc', 'subject', 'text', 'html', 'templateId', 'sendAt'];
/**
 * Once the undo window is over, the send job takes the message within a few seconds and stores it: what shows it
 * (the record's timeline, the thread) is refreshed a few times meanwhile.
 */
const SHOWN_AFTER_MS = [0, 2_000, 5_000, 10_000];

/**
 * Writes an email through one of the caller's mailboxes that can send (it has SMTP): to, cc, subject and a body
 * whose direction follows its first letters; optionally from a template rendered for the record, with the
 * sender's signature, with opens and clicks tracked, and later at a time in the sender's calendar and time zone.
 * Every send waits in the outbox — ten seconds to undo it, or until its time — and a notice offers Undo, which
 * opens the message here again. The server's problems show under their fields.
 */
export function Composer({
  start,
  record,
  onClose,
  onReopen,
}: {
  start: ComposerStart;
  record?: { object: string; id: string } | undefined;
  onClose: () => void;
  /** Opens the composer again with a message whose send was undone. */
  onReopen?: ((start: ComposerStart) => void) | undefined;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const mailboxes = useQuery({ queryKey: emailKeys.mailboxes, queryFn: emailApi.mailboxes });
  const templates = useQuery({ queryKey: emailKeys.templates, queryFn: emailApi.templates });
  const signatureHtml = useQuery({ queryKey: emailKeys.signature, queryFn: emailApi.signature });
  const sending = (mailboxes.data ?? []).filter((m) => m.smtp !== null);
  const [chosen, setChosen] = useState<string | null>(start.mailboxId ?? null);
  const mailboxId = chosen ?? sending[0]?.id ?? null;
  const [to, setTo] = useState((start.to ?? []).join(', '));
  const [cc, setCc] = useState((start.cc ?? []).join(', '));
  const [subject, setSubject] = useState(start.subject ?? '');
  const [body, setBody] = useState(start.body ?? '');
  const [templateId, setTemplateId] = useState<string | null>(start.templateId ?? null);
  const [language, setLanguage] = useState<TemplateLanguage | null>(start.language ?? null);
  const [rendered, setRendered] = useState<RenderedBody | null>(start.rendered ?? null);
  const hasSignature = Boolean(signatureHtml.data?.trim());
  // Until the person ticks it either way, the signature is added whenever they have one.
  const [signatureChoice, setSignatureChoice] = useState<boolean | undefined>(start.signature);
  const signature = hasSignature && (signatureChoice ?? true);
  const [track, setTrack] = useState(start.track ?? false);
  const [later, setLater] = useState(false);
  const [when, setWhen] = useState(() => defaultSendLater(prefs.timeZone));
  const [laterProblem, setLaterProblem] = useState<string | undefined>();
  const { error, busy, run } = useAction();
  const templateRender = useAction();
  const err = (field: string) => problemFor(error, field);
  const sendAt = later && when.date ? zonedInstant(when.date, when.time, prefs.timeZone) : undefined;
  const keepsHtml = rendered !== null && body === rendered.text;

  /** Renders the chosen template for the record (in the chosen language, else the recipient's) into the fields. */
  const applyTemplate = async (id: string | null, lang: TemplateLanguage | null) => {
    setTemplateId(id);
    setLanguage(lang);
    if (!id) {
      setRendered(null);
      return;
    }
    await templateRender.run(async () => {
      const r = await emailApi.renderTemplate(id, {
        ...(record ? { record } : {}),
        ...(lang ? { language: lang } : {}),
      });
      // A reply keeps its thread's subject (the server does the same).
      if (!start.replyTo) setSubject(r.subject);
      setBody(r.text);
      setRendered({ html: r.html, text: r.text, language: r.language });
    });
  };

  const shownKeys: QueryKey[] = [
    ...(record ? [timelineKeys.record(record.object, record.id)] : []),
    ...(start.threadId ? [emailKeys.thread(start.threadId)] : []),
    emailKeys.outbox,
  ];
  const refreshShown = () => {
    for (const key of shownKeys) void qc.invalidateQueries({ queryKey: key });
  };

  const send = async () => {
    if (!mailboxId) return;
    setLaterProblem(undefined);
    if (later && (!sendAt || Date.parse(sendAt) <= Date.now())) {
      setLaterProblem(t('email.sendLaterPast'));
      return;
    }
    const toList = splitAddresses(to);
    const ccList = splitAddresses(cc);
    const payload: OutboxBody = {
      mailboxId,
      to: toList,
      ...(ccList.length > 0 ? { cc: ccList } : {}),
      subject,
      ...(keepsHtml ? { html: rendered.html } : { text: body }),
      ...(start.replyTo ? { replyTo: start.replyTo } : {}),
      ...(record ? { record } : {}),
      ...(templateId ? { templateId } : {}),
      signature,
      track,
      ...(sendAt ? { sendAt } : { undoSeconds: UNDO_SECONDS }),
    };
    const queued: { entry?: OutboxEntry | null } = {};
    const ok = await run(async () => {
      queued.entry = await emailApi.queueSend(payload);
    });
    if (!ok) return;
    onClose();
    if (!queued.entry) {
      refreshShown();
      return;
    }
    const draft: ComposerStart = {
      ...start,
      mailboxId,
      to: toList,
      cc: ccList,
      subject,
      body,
      templateId,
      language,
      rendered,
      signature: signatureChoice,
      track,
    };
    addPendingSend({
      id: queued.entry.id,
      subject,
      until: Date.now() + UNDO_SECONDS * 1000,
      scheduledFor: sendAt ?? null,
      onUndone: onReopen ? () => onReopen(draft) : undefined,
      onGone: () => {
        for (const ms of SHOWN_AFTER_MS) setTimeout(refreshShown, ms);
      },
    });
    if (sendAt) void qc.invalidateQueries({ queryKey: emailKeys.outbox });
  };

  const templateList = templates.data ?? [];
  return (
    <Modal opened onClose={onClose} title={start.replyTo ? t('email.reply') : t('email.compose')} size="lg">
      <Box
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
        data-testid="email-composer"
        style={READABLE_ERRORS}
      >
        <Stack>
          {mailboxes.isSuccess && sending.length === 0 ? (
            <Text size="sm">
              {t('email.noSendingMailbox')}{' '}
              <AnchorLink to="/settings" search={{ tab: 'mailboxes' }} size="sm">
                {t('email.openMailboxes')}
              </AnchorLink>
            </Text>
          ) : (
            <Select
              label={t('email.from')}
              data={sending.map((m) => ({ value: m.id, label: `${m.name} <${m.address}>` }))}
              value={mailboxId}
              onChange={setChosen}
              allowDeselect={false}
              required
              error={err('mailboxId')}
            />
          )}
          {templateList.length > 0 && (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label={t('email.template')}
                placeholder={t('email.noTemplate')}
                data={templateList.map((tpl) => ({ value: tpl.id, label: tpl.name }))}
                value={templateId}
                onChange={(v) => void applyTemplate(v, language)}
                clearable
                searchable
                error={problemFor(templateRender.error, 'templateId') ?? err('templateId')}
                data-testid="template-select"
              />
              {templateId && (
                <Select
                  label={t('email.templateLanguage')}
                  data={[
                    { value: '', label: t('email.recipientLanguage') },
                    ...TEMPLATE_LANGUAGES.map((l) => ({ value: l, label: t(`language.${l}`) })),
                  ]}
                  value={language ?? ''}
                  onChange={(v) => void applyTemplate(templateId, isTemplateLanguage(v) ? v : null)}
                  allowDeselect={false}
                />
              )}
            </SimpleGrid>
          )}
          {problemFor(templateRender.error, 'templateId') === undefined && (
            <ErrorText error={templateRender.error} />
          )}
          <TextInput
            label={t('email.to')}
            description={t('email.addressesHint')}
            dir="ltr"
            required
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={err('to')}
          />
          <TextInput
            label={t('email.cc')}
            dir="ltr"
            value={cc}
            onChange={(e) => setCc(e.currentTarget.value)}
            error={err('cc')}
          />
          <TextInput
            label={t('email.subject')}
            styles={OWN_DIRECTION}
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            error={err('subject')}
          />
          <Textarea
            label={t('email.body')}
            description={
              rendered === null
                ? undefined
                : keepsHtml
                  ? t('email.templateFormatKept')
                  : t('email.templateEdited')
            }
            styles={OWN_DIRECTION}
            autosize
            minRows={6}
            maxRows={16}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            error={err('text') ?? err('html')}
            data-autofocus={start.replyTo ? true : undefined}
          />
          <Group gap="lg">
            <Checkbox
              label={t('email.addSignature')}
              description={hasSignature || signatureHtml.isPending ? undefined : t('email.noSignature')}
              checked={signature}
              disabled={!hasSignature}
              onChange={(e) => setSignatureChoice(e.currentTarget.checked)}
            />
            <Checkbox
              label={t('email.track')}
              checked={track}
              onChange={(e) => setTrack(e.currentTarget.checked)}
            />
            <Checkbox
              label={t('email.sendLater')}
              checked={later}
              onChange={(e) => setLater(e.currentTarget.checked)}
            />
          </Group>
          {later && (
            <Stack gap={4} data-testid="send-later">
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <DateInput
                  label={t('email.sendDate')}
                  value={when.date}
                  onChange={(date) => date && setWhen((w) => ({ ...w, date }))}
                  required
                  error={laterProblem ?? err('sendAt')}
                />
                <TimeSelect
                  label={t('email.sendTime')}
                  value={when.time}
                  onChange={(time) => setWhen((w) => ({ ...w, time }))}
                  required
                />
              </SimpleGrid>
              {sendAt && (
                <Text size="sm" c="dimmed" data-testid="send-later-at">
                  {t('email.sendLaterAt', { time: formatDateTime(sendAt, prefs), zone: prefs.timeZone })}
                </Text>
              )}
            </Stack>
          )}
          {!allPlaced(error, FIELDS) && <ErrorText error={error} />}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              {t('email.cancel')}
            </Button>
            <Button type="submit" loading={busy || templateRender.busy} disabled={!mailboxId}>
              {later ? t('email.schedule') : t('email.send')}
            </Button>
          </Group>
        </Stack>
      </Box>
    </Modal>
  );
}
