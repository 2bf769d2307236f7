import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { assertAllowed } from './access.ts';
import { compileFilterBound } from './compile-filter-bound.ts';
import { presenter, type RecordView, visibility } from './gate.ts';
import { selectLiveRowsAfter } from './records.repository.ts';
import { ALIAS, openScope, ownerCondition } from './scope.ts';

/**
 * Every record the caller may read that matches the filter, in pages keyed by id (never null, so each page is
 * one index range), with the fields the caller may see. For exports: no cap, memory flat. The first page is
 * read when the generator is first advanced, so a bad filter or field throws before anything is sent.
 */
export async function* streamRecords(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: { filter?: unknown; fields?: string[] | undefined },
  pageSize = 1000,
): AsyncGenerator<RecordView[]> {
  let after: string | null = null;
  while (true) {
    const page: { data: RecordView[]; last: string | null } = await withWorkspace(
      db,
      principal.workspaceId,
      async (trx) => {
        const s = await openScope(trx, principal.workspaceId, objectKey);
        assertAllowed(principal, s.object.key, 'read');
        const visible = visibility(principal, s.object, options.fields);
        const { where } = await compileFilterBound(trx, s.object, options.filter, ALIAS, {
          ...s.ctx,
          workspaceId: s.workspaceId,
          objects: s.objects,
          reader: principal,
        });
        const rows = await selectLiveRowsAfter(
          s.raw,
          s.object,
          s.workspaceId,
          sql`${ownerCondition(principal, s.object)} and ${where}`,
          after,
          pageSize,
        );
        return {
          data: rows.map(presenter(s.object, visible)),
          last: rows.length === pageSize ? String(rows[rows.length - 1]!.id) : null,
        };
      },
    );
    yield page.data;
    if (!page.last) return;
    after = page.last;
  }
}
