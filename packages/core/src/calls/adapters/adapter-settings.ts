import dns from 'node:dns';
import net from 'node:net';
import type { Tx } from '@rabita/db';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.ts';
import type { SecretBox } from '../../auth/secret-box.ts';
import { AppError } from '../../errors/app-error.ts';
import { isUuid } from '../../ids.ts';
import { assertCanGrant } from '../../roles/grant-check.ts';
import { findRoleIn } from '../../roles/roles.service.ts';
import { isBlockedAddress } from '../../webhooks/url-guard.ts';

// What a connection needs to reach its phone system (AMI, ARI) or to check what the phone system sends (Twilio's
// URL, 3CX's lookup role). Nothing here is secret: the AMI secret, ARI password or Twilio auth token is the
// connection's `secret`, sealed apart and never shown.

/** No control characters: AMI is a line protocol, and a CR or LF in a value would start another header. */
const plain = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]+$/u, 'No control characters.');

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .refine((u) => !/[\p{Cc}]/u.test(u), 'No control characters.');

export const adapterSettingsSchema = z
  .object({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+|[0-9a-fA-F:.]+)$/, 'A host name or IP address.')
      .describe('AMI: the PBX’s host name or address.'),
    port: z.int().min(1).max(65535).describe('AMI: its port (5038 when absent).'),
    username: plain(100).describe('AMI: the manager user; ARI: the ARI user.'),
    url: httpUrl.describe('ARI: the HTTP base URL of Asterisk’s ARI (`http://pbx:8088`).'),
    app: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'Letters, digits, _ . - only.')
      .describe('ARI: the Stasis application name (`rabita` when absent).'),
    context: z
      .string()
      .regex(/^[\w.-]{1,80}$/, 'Letters, digits, _ . - only.')
      .describe('Click-to-call: the dialplan context numbers are dialled in (`from-internal` when absent).'),
    channelTech: z
      .enum(['PJSIP', 'SIP', 'IAX2'])
      .describe('Click-to-call: the channel technology of the agents’ phones (`PJSIP` when absent).'),
    publicUrl: httpUrl.describe(
      'Twilio: the exact URL Twilio posts to, as Twilio sees it (behind a proxy); RABITA_PUBLIC_URL + the hook’s path when absent.',
    ),
    accountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hexadecimal digits.')
      .describe('Twilio click-to-call: the account SID calls are placed with.'),
    callerId: z
      .string()
      .regex(/^\+[1-9][0-9]{5,16}$/, 'A number in international form (+…).')
      .describe('Twilio click-to-call: the number the calls come from.'),
    apiUrl: httpUrl.describe(
      'Twilio click-to-call: the base of the Twilio-style REST API (`https://api.twilio.com` when absent).',
    ),
    lookupRole: z
      .string()
      .max(64)
      .describe('3CX: the id of the role whose view of records the lookup answers with (Agent when absent).'),
  })
  .partial()
  .strict();

export type AdapterSettings = z.infer<typeof adapterSettingsSchema>;

export const adapterSecretSchema = plain(500)
  .nullable()
  .describe(
    'AMI: the manager secret; ARI: the password; Twilio: the auth token. Write-only (never shown); null removes it.',
  );

/** Which settings each connection type uses. */
const SETTINGS_OF: Record<string, readonly (keyof AdapterSettings)[]> = {
  generic: [],
  'asterisk-ami': ['host', 'port', 'username', 'context', 'channelTech'],
  'asterisk-ari': ['url', 'username', 'app', 'context', 'channelTech'],
  twilio: ['publicUrl', 'accountSid', 'callerId', 'apiUrl'],
  '3cx': ['lookupRole'],
};

/** The input's adapter part, as the connection routes take it. */
export interface AdapterInput {
  settings?: AdapterSettings | undefined;
  secret?: string | null | undefined;
}

/**
 * Resolves a host and refuses it when any of its addresses is private, loopback, link-local, special-purpose or
 * this server's own, unless the instance allows private phone systems (RABITA_CALLS_ALLOW_PRIVATE). Returns the
 * first address: the client connects to the very address checked, so DNS rebinding reaches nothing it should not.
 */
export async function phoneSystemAddress(host: string, allowPrivate: boolean): Promise<string> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let addresses: string[];
  if (net.isIP(bare)) addresses = [bare];
  else {
    try {
      addresses = (await dns.promises.lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new Error(`The host "${host}" could not be resolved.`);
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new Error(`The host "${host}" has no address.`);
  if (allowPrivate) return first;
  const blocked = addresses.find((a) => isBlockedAddress(a));
  if (blocked !== undefined)
    throw new Error(
      `The host "${host}" resolves to ${blocked}, a private, loopback or special-purpose address; the operator can allow phone systems on such addresses with RABITA_CALLS_ALLOW_PRIVATE=1.`,
    );
  return first;
}

const invalid = (field: string, message: string) =>
  new AppError('validation_failed', message, { errors: [{ field, message }] });

/**
 * The settings and sealed secret to store for a connection of `type`, from what it had and what was sent: unknown
 * settings for the type are refused, hosts and URLs pass the outbound guard, a 3CX lookup role must exist and be
 * no wider than the caller's own. `agentRoleId` is the built-in Agent role, a 3CX connection's default.
 */
export async function prepareAdapterSettings(
  trx: Tx,
  principal: Principal,
  box: SecretBox,
  type: string,
  current: AdapterSettings,
  input: AdapterInput,
  options: { allowPrivate: boolean; agentRoleId?: string | undefined },
): Promise<{ settings: AdapterSettings | undefined; adapterSecret: string | null | undefined }> {
  const allowed = SETTINGS_OF[type] ?? [];
  for (const key of Object.keys(input.settings ?? {}))
    if (!allowed.includes(key as keyof AdapterSettings))
      throw invalid(`settings.${key}`, `A ${type} connection has no setting "${key}".`);
  const merged: AdapterSettings = { ...current, ...input.settings };
  const settings = Object.fromEntries(
    Object.entries(merged).filter(
      ([k, v]) => v !== undefined && allowed.includes(k as keyof AdapterSettings),
    ),
  ) as AdapterSettings;
  if (settings.host && input.settings?.host !== undefined)
    await phoneSystemAddress(settings.host, options.allowPrivate).catch((e: Error) => {
      throw invalid('settings.host', e.message);
    });
  if (settings.apiUrl && input.settings?.apiUrl !== undefined)
    await phoneSystemAddress(new URL(settings.apiUrl).hostname, options.allowPrivate).catch((e: Error) => {
      throw invalid('settings.apiUrl', e.message);
    });
  if (settings.url && input.settings?.url !== undefined)
    await phoneSystemAddress(new URL(settings.url).hostname, options.allowPrivate).catch((e: Error) => {
      throw invalid('settings.url', e.message);
    });
  if (type === '3cx') {
    settings.lookupRole ??= options.agentRoleId;
    if (settings.lookupRole !== undefined) {
      const role = isUuid(settings.lookupRole)
        ? await findRoleIn(trx, principal.workspaceId, settings.lookupRole)
        : undefined;
      if (!role) throw invalid('settings.lookupRole', 'There is no such role.');
      assertCanGrant(principal, role, 'settings.lookupRole');
    }
  }
  const changed =
    input.settings !== undefined || Object.keys(settings).length !== Object.keys(current).length;
  return {
    settings: changed ? settings : undefined,
    adapterSecret:
      input.secret === undefined ? undefined : input.secret === null ? null : box.seal(input.secret),
  };
}
