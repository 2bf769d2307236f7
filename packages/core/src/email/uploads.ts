import { createHash } from 'node:crypto';
import { type Database, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { AppError } from '../errors/app-error.ts';
import { insertBlob, selectBlob } from './email.repository.ts';

/** The largest file one upload takes, and all of a message's attachments together. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** An uploaded attachment as the API shows it: a sealed token to send it with, and what it is. */
export interface UploadView {
  token: string;
  filename: string;
  contentType: string;
  size: number;
}

interface Sealed {
  w: string;
  u: string;
  s: string;
  f: string;
  t: string;
  n: number;
}

/**
 * Keeps an uploaded file for sending (stored once by hash) and answers a token sealed with the server key that names
 * the workspace, the uploader and the file: a send takes tokens, never hashes, so nobody attaches a file of the
 * workspace they did not upload themselves (a blob of someone else's private mail, say).
 */
export async function keepUpload(
  db: Database,
  box: SecretBox,
  principal: Principal,
  file: { filename: string; contentType: string; content: Buffer },
): Promise<UploadView> {
  if (!principal.userId) throw new AppError('forbidden', 'Attachments are uploaded by a person: sign in.');
  const sha = createHash('sha256').update(file.content).digest('hex');
  await withWorkspace(db, principal.workspaceId, (trx) =>
    insertBlob(trx, principal.workspaceId, sha, file.content),
  );
  const sealed: Sealed = {
    w: principal.workspaceId,
    u: principal.userId,
    s: sha,
    f: file.filename,
    t: file.contentType,
    n: file.content.length,
  };
  return {
    token: box.seal(JSON.stringify(sealed)),
    filename: file.filename,
    contentType: file.contentType,
    size: file.content.length,
  };
}

/** The files behind upload tokens, for their uploader only; 400 naming the token otherwise. */
export async function openUploads(
  db: Database,
  box: SecretBox,
  principal: Principal,
  tokens: readonly string[],
): Promise<{ filename: string; contentType: string; content: Buffer }[]> {
  const out: { filename: string; contentType: string; content: Buffer }[] = [];
  let total = 0;
  for (const [i, token] of tokens.entries()) {
    let sealed: Sealed | undefined;
    try {
      sealed = JSON.parse(box.open(token)) as Sealed;
    } catch {
      sealed = undefined;
    }
    const content =
      sealed && sealed.w === principal.workspaceId && sealed.u === principal.userId
        ? await withWorkspace(db, principal.workspaceId, (trx) =>
            selectBlob(trx, principal.workspaceId, sealed!.s),
          )
        : undefined;
    if (!sealed || !content)
      throw new AppError('validation_failed', 'An attachment is not one you uploaded here.', {
        errors: [{ field: `attachments.${i}`, message: 'Upload the file again (POST /email/attachments).' }],
      });
    total += content.length;
    if (total > MAX_ATTACHMENT_BYTES)
      throw new AppError('validation_failed', 'The attachments together are over 20 MB.', {
        errors: [{ field: 'attachments', message: 'At most 20 MB in all.' }],
      });
    out.push({ filename: sealed.f, contentType: sealed.t, content });
  }
  return out;
}
