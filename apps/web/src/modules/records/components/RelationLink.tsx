import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { useRecord } from '../hooks/useRecord.ts';

/** A link to a related record, under its title in the user's language. */
export function RelationLink({ object, id }: { object: string; id: string }) {
  const def = useObject(object);
  const { data } = useRecord(object, id);
  const { i18n } = useTranslation();
  return (
    <AnchorLink to="/o/$object/$id" params={{ object, id }} size="sm">
      {data ? titleOf(def, data, i18n.language as Locale) : '…'}
    </AnchorLink>
  );
}
