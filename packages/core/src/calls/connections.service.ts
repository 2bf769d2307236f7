import { randomBytes } from 'node:crypto';
import { afterCommit, withWorkspace } from '@rabita/db';
import type { SecretBox } from '../auth/secret-box.ts';
import { hashToken } from '../auth/tokens.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { listRoleViews } from '../roles/roles.service.ts';
import { adapterChanges } from './adapters/adapter-changes.ts';
import { type AdapterInput, prepareAdapterSettings } from './adapters/adapter-settings.ts';
import { selectAdapterConnection, updateAdapterSettings } from './adapters/adapters.repository.ts';
import {
  type ConnectionRow,
  deleteConnection,
  insertConnection,
  listConnections,
  membersAmong,
  selectConnection,
  selectDefaultCountry,
  updateConnection,
} from './calls.repository.ts';
import { updateWrapUpSeconds } from './presence.repository.ts';

export const CONNECTION_TYPES = ['generic', 'asterisk-ami', 'asterisk-ari', 'twilio', '3cx'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export interface ConnectionInput extends AdapterInput {
  name?: string | undefined;
  type?: ConnectionType | undefined;
  extensions?: Record<string, string> | undefined;
  stripPrefixes?: readonly string[] | undefined;
  country?: string | undefined;
  /** Make a new API key (shown once; the old one stops working). */
  newApiKey?: boolean | undefined;
  /** Make a new HMAC secret (shown once; the old one stops working). */
  newSigningSecret?: boolean | undefined;
  /** Seconds an agent stays in wrap-up after a call they answered ends (presence). */
  wrapUpSeconds?: number | undefined;
}

/** A connection as the API shows it; `apiKey` and `signingSecret` only in the answer that made them. */
export type ConnectionView = ConnectionRow & { apiKey?: string; signingSecret?: string };

/** A call connection's API key: `rbp_` and 256 random bits (stored only as its SHA-256). */
const newApiKey = () => `rbp_${randomBytes(32).toString('base64url')}`;
const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

const notFound = () => new AppError('not_found', 'There is no such call connection.');

async function checkExtensions(
  trx: Parameters<typeof membersAmong>[0],
  workspaceId: string,
  extensions: Record<string, string>,
) {
  const ids = [...new Set(Object.values(extensions))];
  const bad = ids.filter((id) => !isUuid(id));
  const members = await membersAmong(
    trx,
    workspaceId,
    ids.filter((id) => isUuid(id)),
  );
  const problems = Object.entries(extensions)
    .filter(([, userId]) => bad.includes(userId) || !members.has(userId))
    .map(([ext]) => ({ field: `extensions.${ext}`, message: 'Not a member of this workspace.' }));
  if (problems.length > 0)
    throw new AppError('validation_failed', 'Each extension must belong to a member of this workspace.', {
      errors: problems,
    });
}

/** The built-in Agent role's id, a 3CX connection's lookup role unless another is chosen. */
async function agentRoleId(ctx: ServiceContext, type: string | undefined): Promise<string | undefined> {
  if (type !== '3cx') return undefined;
  return (await listRoleViews(ctx)).find((r) => r.isSystem && r.key === 'agent')?.id;
}

/** Makes a phone connection; its API key and signing secret (at least one) are shown in this answer only. */
export async function createConnection(
  ctx: ServiceContext,
  box: SecretBox,
  input: ConnectionInput & { name: string; type: ConnectionType },
  options: { allowPrivate?: boolean | undefined } = {},
): Promise<ConnectionView> {
  const agentRole = await agentRoleId(ctx, input.type);
  const ws = ctx.principal.workspaceId;
  const wantKey = input.newApiKey ?? !input.newSigningSecret;
  const apiKey = wantKey ? newApiKey() : undefined;
  const signingSecret = input.newSigningSecret ? newSigningSecret() : undefined;
  const id = newId();
  return withWorkspace(ctx.db, ws, async (trx) => {
    const extensions = input.extensions ?? {};
    await checkExtensions(trx, ws, extensions);
    await insertConnection(trx, {
      workspaceId: ws,
      id,
      name: input.name.trim(),
      type: input.type,
      apiKeyHash: apiKey ? hashToken(apiKey) : null,
      apiKeyPrefix: apiKey ? apiKey.slice(0, 10) : null,
      hmacSecret: signingSecret ? box.seal(signingSecret) : null,
      extensions,
      stripPrefixes: input.stripPrefixes ?? [],
      country: input.country ?? (await selectDefaultCountry(trx, ws)),
    });
    await updateAdapterSettings(
      trx,
      ws,
      id,
      await prepareAdapterSettings(trx, ctx.principal, box, input.type, {}, input, {
        allowPrivate: options.allowPrivate ?? false,
        agentRoleId: agentRole,
      }),
    );
    afterCommit(trx, () => adapterChanges.emit('changed'));
    if (input.wrapUpSeconds !== undefined) await updateWrapUpSeconds(trx, ws, id, input.wrapUpSeconds);
    const row = (await selectConnection(trx, ws, id))!;
    return { ...row, ...(apiKey ? { apiKey } : {}), ...(signingSecret ? { signingSecret } : {}) };
  });
}

/** Changes a connection; asking for a new key or secret replaces the old one and shows the new one once. */
export async function changeConnection(
  ctx: ServiceContext,
  box: SecretBox,
  id: string,
  input: ConnectionInput,
  options: { allowPrivate?: boolean | undefined } = {},
): Promise<ConnectionView> {
  const ws = ctx.principal.workspaceId;
  if (!isUuid(id)) throw notFound();
  const agentRole = await agentRoleId(ctx, input.type ?? '3cx');
  const apiKey = input.newApiKey ? newApiKey() : undefined;
  const signingSecret = input.newSigningSecret ? newSigningSecret() : undefined;
  return withWorkspace(ctx.db, ws, async (trx) => {
    if (!(await selectConnection(trx, ws, id, { lock: true }))) throw notFound();
    if (input.extensions) await checkExtensions(trx, ws, input.extensions);
    await updateConnection(trx, ws, id, {
      name: input.name?.trim(),
      type: input.type,
      apiKey: apiKey ? { hash: hashToken(apiKey), prefix: apiKey.slice(0, 10) } : undefined,
      hmacSecret: signingSecret ? box.seal(signingSecret) : undefined,
      extensions: input.extensions,
      stripPrefixes: input.stripPrefixes,
      country: input.country,
    });
    const adapter = (await selectAdapterConnection(trx, ws, id))!;
    await updateAdapterSettings(
      trx,
      ws,
      id,
      await prepareAdapterSettings(trx, ctx.principal, box, adapter.type, adapter.settings, input, {
        allowPrivate: options.allowPrivate ?? false,
        agentRoleId: agentRole,
      }),
    );
    afterCommit(trx, () => adapterChanges.emit('changed'));
    if (input.wrapUpSeconds !== undefined) await updateWrapUpSeconds(trx, ws, id, input.wrapUpSeconds);
    const row = (await selectConnection(trx, ws, id))!;
    return { ...row, ...(apiKey ? { apiKey } : {}), ...(signingSecret ? { signingSecret } : {}) };
  });
}

/** The workspace's phone connections (never their secrets). */
export async function getConnections(ctx: ServiceContext): Promise<ConnectionRow[]> {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, (trx) => listConnections(trx, ws));
}

/** One phone connection (never its secrets). */
export async function getConnection(ctx: ServiceContext, id: string): Promise<ConnectionRow> {
  const ws = ctx.principal.workspaceId;
  if (!isUuid(id)) throw notFound();
  const row = await withWorkspace(ctx.db, ws, (trx) => selectConnection(trx, ws, id));
  if (!row) throw notFound();
  return row;
}

/** Removes a connection with its calls and their events. */
export async function removeConnection(ctx: ServiceContext, id: string): Promise<void> {
  const ws = ctx.principal.workspaceId;
  if (!isUuid(id)) throw notFound();
  const gone = await withWorkspace(ctx.db, ws, (trx) => deleteConnection(trx, ws, id));
  if (!gone) throw notFound();
  adapterChanges.emit('changed');
}
