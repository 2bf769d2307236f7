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
