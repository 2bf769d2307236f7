import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { useRecord } from '../hooks/useRecord.ts';

/**
 * A link to a related record, under its title in the user's language: the `title` given (a list's expanded
 * titles), else the record's own, fetched.
 */
export function RelationLink({ object, id, title }: { object: string; id: string; title?: string }) {
  const def = useObject(object);
  const { data } = useRecord(object, title === undefined ? id : null);
  const { i18n } = useTranslation();
  return (
    <AnchorLink to="/o/$object/$id" params={{ object, id }} size="sm">
      {title ?? (data ? titleOf(def, data, i18n.language as Locale) : '…')}
    </AnchorLink>
  );
}
