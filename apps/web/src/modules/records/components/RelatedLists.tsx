import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { RelatedList } from './RelatedList.tsx';

/** A record-page panel: a list for each relation of another object to this one (a company's people, deals). */
export default function RelatedLists({ object, id }: RecordPanelProps) {
  const { i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects().data ?? [];
  const related = objects.flatMap((o) =>
    o.fields
      .filter((f) => f.type === 'relation' && f.relation?.object === object.key && !f.relation.many)
      .map((f) => ({ object: o.key, field: f.key, title: label(o.labels.plural, locale) })),
  );
  return (
    <>
      {related.map((rel) => (
        <RelatedList
          key={`${rel.object}.${rel.field}`}
          object={rel.object}
          field={rel.field}
          id={id}
          title={rel.title}
        />
      ))}
    </>
  );
}
