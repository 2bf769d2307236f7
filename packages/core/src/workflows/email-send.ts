import type * as Nodemailer from 'nodemailer';
import { lazyPackage } from '../lazy-package.ts';

const nodemailer = lazyPackage<typeof Nodemailer>('nodemailer');

/** The operator's outgoing mail server (`RABITA_SMTP_URL`, `RABITA_SMTP_FROM`). */
export interface SmtpSettings {
  url: string;
  from: string | undefined;
}

/** One workflow email, fully rendered (what the step run records before it is sent). */
export interface EmailMessage {
  to: string[];
  subject: string;
  body: string;
  /** The deterministic Message-ID (`<runId.stepId@domain>`): a resend after a crash carries the same one. */
  messageId: string;
  /** The language of a translated email (`fa`), sent as its Content-Language. */
  language?: string | undefined;
}

/** How a send went: accepted, or refused with the server's code (a 4xx or no answer may be tried again). */
export interface EmailOutcome {
  accepted: boolean;
  responseCode: number | null;
  error: string | null;
}

const CONNECT_MS = 3_000;
const RESPONSE_MS = 30_000;

/** The From address: the setting, else `rabita@` the SMTP server's host. */
export function fromAddress(smtp: SmtpSettings): string {
  return smtp.from ?? `rabita@${new URL(smtp.url).hostname || 'localhost'}`;
}

/** The domain a Message-ID names: the From address's. */
export function messageIdFor(runId: string, stepId: string, smtp: SmtpSettings | undefined): string {
  const from = smtp ? fromAddress(smtp) : 'rabita@localhost';
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${runId}.${stepId}@${domain}>`;
}

const ADDRESS = /^[^\s<>@,;:"]+@[^\s<>@,;:"]+\.[^\s<>@,;:"]+$|^[^\s<>@,;:"]+@localhost$/;

/** Whether a value is one plain email address (no display name, no list). */
export function isEmailAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && ADDRESS.test(value);
}

/** Sends one plain-text email through the SMTP server, with its Message-ID; never throws. */
export async function sendWorkflowEmail(smtp: SmtpSettings, message: EmailMessage): Promise<EmailOutcome> {
  const url = new URL(smtp.url);
  const transport = nodemailer().createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    // STARTTLS whenever the server offers it; `?tls=off` sends in the clear (a relay on this machine only).
    ignoreTLS: url.searchParams.get('tls') === 'off',
    connectionTimeout: CONNECT_MS,
    greetingTimeout: CONNECT_MS,
    socketTimeout: RESPONSE_MS,
  });
  try {
    const info = await transport.sendMail({
      from: fromAddress(smtp),
      to: message.to,
      subject: message.subject,
      text: message.body,
      messageId: message.messageId,
      headers: {
        'Auto-Submitted': 'auto-generated',
        'X-Rabita-Workflow': '1',
        ...(message.language ? { 'Content-Language': message.language } : {}),
      },
    });
    if (info.rejected.length > 0 && info.accepted.length === 0)
      return { accepted: false, responseCode: 550, error: `Every recipient was refused.` };
    return { accepted: true, responseCode: 250, error: null };
  } catch (error) {
    const e = error as { responseCode?: number; message?: string };
    return {
      accepted: false,
      responseCode: typeof e.responseCode === 'number' ? e.responseCode : null,
      error: (e.message ?? String(error)).split('\n')[0]!.slice(0, 300),
    };
  } finally {
    transport.close();
  }
}
