import dns from 'node:dns';
import net from 'node:net';
import { AppError } from '../errors/app-error.ts';
import { isBlockedAddress } from '../webhooks/url-guard.ts';

/**
 * The address to open a mail connection to: the host resolved once, and refused when it is private, loopback,
 * link-local, special-purpose or this server's own unless the instance allows private mail hosts
 * (RABITA_MAIL_ALLOW_PRIVATE). The connection goes to the checked address (TLS still names the host), so a host
 * that resolves elsewhere later (DNS rebinding) reaches nothing it should not.
 */
export async function mailHostAddress(host: string, field: string, allowPrivate: boolean): Promise<string> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let addresses: string[];
  if (net.isIP(bare)) addresses = [bare];
  else {
    try {
      addresses = (await dns.promises.lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new AppError('validation_failed', `The host "${host}" could not be resolved.`, {
        errors: [{ field, message: `"${host}" could not be resolved.` }],
      });
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new AppError('validation_failed', `The host "${host}" has no address.`);
  if (allowPrivate) return first;
  const blocked = addresses.find((a) => isBlockedAddress(a));
  if (blocked !== undefined)
    throw new AppError(
      'validation_failed',
      `The host "${host}" resolves to ${blocked}, which Rabita does not connect to.`,
      {
        errors: [
          {
            field,
            message: `Resolves to ${blocked}, a private, loopback or special-purpose address; the operator can allow such hosts with RABITA_MAIL_ALLOW_PRIVATE=1.`,
          },
        ],
      },
    );
  return first;
}
