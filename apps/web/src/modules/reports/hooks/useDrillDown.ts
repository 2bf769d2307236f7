import { useNavigate } from '@tanstack/react-router';
import { useCallback } from 'react';
import type { ObjectDef } from '../../metadata/utils/metadata.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import type { Category } from '../utils/chart-model.ts';
import { drillBase, drillConditions, openListWith } from '../utils/drill-down.ts';
import type { ReportDefinition, ReportResult } from '../utils/report-types.ts';

/**
 * What a click on a bar, point, slice or row of a report opens: the object's list with everything the report
 * counted by — its filter (on a dashboard, with the dashboard's owner, team and period already in it), the clicked
 * bucket's days within the report's range, or the group's value (a team: its members), and for a measure of only
 * some records (clicked on its series) that measure's `where`. One function for report
 * pages and dashboard widgets. Returns whether it opened anything ("others", or a filter the list cannot hold, open
 * nothing).
 */
export function useDrillDown(
  object: ObjectDef | undefined,
  definition: ReportDefinition | undefined,
  result: ReportResult | undefined,
  categoryDim: number,
): (category: Category, measure?: number) => boolean {
  const navigate = useNavigate();
  // Teams are asked for only when a dimension is one (their members are what a team's bar opens).
  const teams = useTeams({ enabled: result?.dimensions.some((d) => d.by === 'team') ?? false }).data;
  return useCallback(
    (category: Category, measure?: number) => {
      if (!object || !definition || !result || categoryDim < 0) return false;
      const dimension = result.dimensions[categoryDim];
      const base = drillBase(definition, measure);
      if (!dimension || !base) return false;
      // A bucket's records are those the report counted: its days, cut to the report's range.
      const range = category.range && {
        from:
          definition.range?.from && definition.range.from > category.range.from
            ? definition.range.from
            : category.range.from,
        to:
          definition.range?.to && definition.range.to < category.range.to
            ? definition.range.to
            : category.range.to,
      };
      const conditions = drillConditions({ ...category, range }, dimension, result.timeZone, teams);
      if (!conditions) return false;
      openListWith(object, [...base, ...conditions]);
      void navigate({ to: '/o/$object', params: { object: object.key } });
      return true;
    },
    [object, definition, result, categoryDim, teams, navigate],
  );
}
