import type { TimelineSource } from '../modules/manifest.ts';
import { readRecords } from '../records/gate.ts';
import { selectRecordRuns } from './workflows.repository.ts';

/**
 * "Workflow X ran" on the trigger record's timeline, for readers who may read the record (the record engine's
 * gate decides); opening the run itself needs `workflows.manage`.
 */
export const workflowRunsTimeline: TimelineSource = {
  kind: 'workflow',
  entries(trx, subject, page) {
    return (async () => {
      const seen = await readRecords(
        trx,
        { ...subject.reader, workspaceId: subject.workspaceId },
        subject.object,
        [subject.recordId],
        { fields: ['id'] },
      );
      if (!seen.has(subject.recordId)) return [];
      const rows = await selectRecordRuns(trx, subject.workspaceId, subject.object, subject.recordId, page);
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        data: {
          workflowId: r.workflow_id,
          workflowName: r.workflow_name,
          version: r.version,
          status: r.status,
          reason: r.reason,
        },
      }));
    })();
  },
};
