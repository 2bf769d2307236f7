// A local SMTP receiver for the workflows tests and the crash harness: takes any mail (no TLS offered, no login
// asked) and hands its raw text and envelope to `onMessage`. A worker killed mid-delivery resets its connection;
// the server's 'error' event must have a listener or that reset is thrown as an uncaught exception in the test run.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>?tls=off`, the form RABITA_SMTP_URL takes. */
  url: string;
  /** Connection errors seen (resets by killed clients), for tests that want to assert on them. */
  errors: Error[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(
  onMessage: (raw: string, session: SMTPServerSession) => void | Promise<void>,
): Promise<SmtpReceiver> {
  const errors: Error[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        Promise.resolve(onMessage(Buffer.concat(chunks).toString('utf8'), session)).then(
          () => done(),
          (error: Error) => done(error),
        );
      });
    },
  });
  smtp.on('error', (error: Error) => errors.push(error));
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}?tls=off`,
    errors,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

/** A received mail's headers (encoded words decoded) and its text body, enough for tests to read what was sent. */
export function parseMail(raw: string): { headers: Map<string, string>; text: string } {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const at = line.indexOf(':');
    const value = line
      .slice(at + 1)
      .trim()
      .replace(/\?=\s+=\?/g, '?==?')
      .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind: string, data: string) =>
        kind.toLowerCase() === 'b'
          ? Buffer.from(data, 'base64').toString('utf8')
          : decodeQp(data.replace(/_/g, ' ')),
      );
    headers.set(line.slice(0, at).toLowerCase(), value);
  }
  const body = rest.join('\r\n\r\n');
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQp(body.replace(/=\r\n/g, ''))
        : body;
  return { headers, text: text.replace(/\r\n/g, '\n') };
}
function decodeQp(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
