import type { TimelineSource } from '../modules/manifest.ts';
import { readRecords } from '../records/gate.ts';
import { selectRecordMessages } from './email.repository.ts';
import { messageAccess } from './email-access.ts';
import { presentMessage } from './messages.service.ts';

/**
 * Emails linked to a record (a person, their company, a deal), newest first, for readers who may read the record
 * (the record engine's gate decides); each message is cut to what the reader may see of it (email-access.ts).
 */
export const emailTimeline: TimelineSource = {
  kind: 'email',
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
      const rows = await selectRecordMessages(
        trx,
        subject.workspaceId,
        subject.object,
        subject.recordId,
        page,
      );
      const access = await messageAccess(trx, subject.reader, rows);
      return rows.flatMap((r) => {
        const a = access.get(r.id);
        return a ? [{ id: r.id, at: r.at, data: { ...presentMessage(r, a) } }] : [];
      });
    })();
  },
};
