import type { Migration } from 'kysely';
import * as m0001 from './0001-platform.ts';
import * as m0002 from './0002-records.ts';
import * as m0003 from './0003-webhooks.ts';
import * as m0004 from './0004-imports.ts';
import * as m0007 from './0007-search-reindex.ts';
import * as m0008 from './0008-notifications.ts';
import * as m0009 from './0009-search-prefix.ts';
import * as m0010 from './0010-teams.ts';
import * as m0011 from './0011-activity-links.ts';
import * as m0012 from './0012-views.ts';
import * as m0013 from './0013-indexed-lookups.ts';
import * as m0014 from './0014-stage-labels.ts';
import * as m0015 from './0015-money-columns.ts';
import * as m0016 from './0016-timeline-indexes.ts';
import * as m0017 from './0017-auth-changes.ts';
import * as m0018 from './0018-search-prefix-order.ts';
import * as m0019 from './0019-deal-totals.ts';
import * as m0020 from './0020-phone-lookup-rows.ts';
import * as m0021 from './0021-filter-lookups.ts';
import * as m0022 from './0022-scheduled-jobs.ts';
import * as m0023 from './0023-import-lookups.ts';
import * as m0024 from './0024-write-cause.ts';
import * as m0025 from './0025-account-security.ts';
import * as m0026 from './0026-orphaned-api-keys.ts';
import * as m0027 from './0027-folded-values.ts';
import * as m0028 from './0028-automation-version.ts';
import * as m0029 from './0029-passkeys.ts';
import * as m0030 from './0030-lead-territory-fields.ts';
import * as m0031 from './0031-deal-totals-slots.ts';
import * as m0032 from './0032-keys-led-by-workspace.ts';
import * as m0033 from './0033-held-jobs-written-by-the-app.ts';

/** Every migration in order. Names are permanent: they are recorded in `kysely_migration`. */
export const migrations: Record<string, Migration> = {
  '0001-platform': m0001,
  '0002-records': m0002,
  '0003-webhooks': m0003,
  '0004-imports': m0004,
  '0007-search-reindex': m0007,
  '0008-notifications': m0008,
  '0009-search-prefix': m0009,
  '0010-teams': m0010,
  '0011-activity-links': m0011,
  '0012-views': m0012,
  '0013-indexed-lookups': m0013,
  '0014-stage-labels': m0014,
  '0015-money-columns': m0015,
  '0016-timeline-indexes': m0016,
  '0017-auth-changes': m0017,
  '0018-search-prefix-order': m0018,
  '0019-deal-totals': m0019,
  '0020-phone-lookup-rows': m0020,
  '0021-filter-lookups': m0021,
  '0022-scheduled-jobs': m0022,
  '0023-import-lookups': m0023,
  '0024-write-cause': m0024,
  '0025-account-security': m0025,
  '0026-orphaned-api-keys': m0026,
  '0027-folded-values': m0027,
  '0028-automation-version': m0028,
  '0029-passkeys': m0029,
  '0030-lead-territory-fields': m0030,
  '0031-deal-totals-slots': m0031,
  '0032-keys-led-by-workspace': m0032,
  '0033-held-jobs-written-by-the-app': m0033,
};
