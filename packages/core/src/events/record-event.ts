import type { WriteCause } from '../modules/manifest.ts';

/** Where a change came from, for the audit trail. */
export type ChangeSource = 'ui' | 'api' | 'import' | 'workflow' | 'system';

export type RecordEventKind = 'created' | 'updated' | 'deleted' | 'restored';

/**
 * One change to one record: what single and bulk writes alike publish, what subscribers receive, and what
 * streams and webhooks are made from (each through the record engine's gate for its reader).
 */
export interface RecordEvent {
  workspaceId: string;
  object: string;
  recordId: string;
  kind: RecordEventKind;
  /** Old and new value per changed field (every written field for a creation; empty for deletes and restores). */
  changes: Record<string, { from: unknown; to: unknown }>;
  actor: { userId: string | null; apiKeyId: string | null };
  /** The record's owner, so streams of "own records only" readers carry only their own records. */
  ownerId: string | null;
  source: ChangeSource;
  /** Set when automation made the write: which run, at which depth. */
  cause?: WriteCause | undefined;
  at: string;
}
