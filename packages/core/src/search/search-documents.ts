import { compactText, normalizeText } from '@rabita/shared';
import type { ObjectDef } from '../metadata/metadata.types.ts';

// The search module owns `search_documents`: what a record's document holds is decided here, and the record
// engine's write steps and the reindex job both build documents with `searchDocument`.

/** A record's search document: its title, subtitle and folded searchable text. */
export interface SearchDocument {
  recordId: string;
  title: string;
  subtitle: string | null;
  content: string;
  compact: string;
}

function titleOf(object: ObjectDef, view: Record<string, unknown>): string {
  const parts = object.titleFields
    .map((k) => view[k])
    .filter((v) => typeof v === 'string' && v.trim() !== '');
  return parts.length ? parts.join(' ') : String(view.id);
}

/** The search document of a record (every field, as stored), from its searchable, title and subtitle fields. */
export function searchDocument(
  object: ObjectDef,
  view: Record<string, unknown> & { id: string },
): SearchDocument {
  const texts: string[] = [];
  for (const field of object.fields) {
    if (!field.searchable) continue;
    const v = view[field.key];
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item === 'string') texts.push(item);
        else if (item && typeof item === 'object') {
          const o = item as Record<string, unknown>;
          for (const part of [o.address, o.raw, o.e164]) if (typeof part === 'string') texts.push(part);
          if (typeof o.e164 === 'string') texts.push(o.e164.replace('+', ''));
        }
      }
    } else if (typeof v === 'object') {
      for (const part of Object.values(v as Record<string, unknown>))
        if (typeof part === 'string') texts.push(part);
      const o = v as Record<string, unknown>;
      if (typeof o.e164 === 'string') texts.push(o.e164.replace('+', ''));
    } else texts.push(String(v));
  }
  const title = titleOf(object, view);
  const subtitleValue = object.subtitleField ? view[object.subtitleField] : null;
  const content = normalizeText([title, ...texts].join(' ')).slice(0, 20_000);
  return {
    recordId: view.id,
    title: title.slice(0, 500),
    subtitle: typeof subtitleValue === 'string' ? subtitleValue.slice(0, 500) : null,
    content,
    compact: compactText(content),
  };
}
