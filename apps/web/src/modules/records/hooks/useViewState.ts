import { useEffect, useState } from 'react';
import { type ObjectDef, visibleFields } from '../../metadata/utils/metadata.ts';
import type { FilterState } from '../utils/filter.ts';

/** A list's state: its columns, widths, sort, filter and board. */
export interface ViewState {
  columns: string[];
  widths: Record<string, number>;
  sort: string | null;
  filter: FilterState;
  /** The select field a board groups by; null for the table. */
  board?: string | null;
}

function defaultView(object: ObjectDef): ViewState {
  return {
    columns: visibleFields(object)
      .slice(0, 6)
      .map((f) => f.key),
    widths: {},
    sort: null,
    filter: { join: 'and', conditions: [] },
  };
}

/** The user's last view of this object (columns, widths, sort, filter), kept in the browser. */
export function useViewState(object: ObjectDef | undefined) {
  const key = object ? `rabita.view.${object.key}` : '';
  const [state, setState] = useState<ViewState | null>(null);
  useEffect(() => {
    if (!object) return;
    try {
      const saved = JSON.parse(localStorage.getItem(key) ?? 'null') as ViewState | null;
      const known = new Set(object.fields.map((f) => f.key));
      setState(
        saved ? { ...saved, columns: saved.columns.filter((c) => known.has(c)) } : defaultView(object),
      );
    } catch {
      setState(defaultView(object));
    }
  }, [object, key]);
  const update = (next: Partial<ViewState>) =>
    setState((old) => {
      const merged = { ...(old ?? defaultView(object as ObjectDef)), ...next };
      localStorage.setItem(key, JSON.stringify(merged));
      return merged;
    });
  return [state, update] as const;
}
