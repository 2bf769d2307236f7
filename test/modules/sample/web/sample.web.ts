// The web side of the module that exists only for the tests (../sample.module.ts): a settings tab behind its
// permission, a panel on its object's record page, a sidebar entry and a live refresh, plugged in through this
// manifest alone. It is built in only by its own test (RABITA_WEB_EXTRA_MODULES, see apps/web/vite.config.ts), into
// a folder of its own, and is never shipped.
import { lazy } from 'react';
import { i18n } from '../../../../apps/web/src/i18n/index.ts';
import { defineWebModule } from '../../../../apps/web/src/modules/web-module.ts';
import { SampleNav } from './components/SampleNav.tsx';
import { sampleKeys } from './utils/sample-keys.ts';

// A module outside the shipped list brings its own words rather than adding them to the shipped dictionaries.
const words = {
  en: {
    nav: 'Sample summary',
    tab: 'Sample',
    summaryTitle: 'Sightings in this workspace',
    sightingsCount: 'Sightings',
    panelTitle: 'Sample panel',
    noNote: 'No note yet.',
  },
  ar: {
    nav: 'ملخص العينة',
    tab: 'العينة',
    summaryTitle: 'المشاهدات في مساحة العمل هذه',
    sightingsCount: 'المشاهدات',
    panelTitle: 'لوحة العينة',
    noNote: 'لا ملاحظة بعد.',
  },
  fa: {
    nav: 'خلاصهٔ نمونه',
    tab: 'نمونه',
    summaryTitle: 'مشاهده‌های این فضای کار',
    sightingsCount: 'مشاهده‌ها',
    panelTitle: 'پنل نمونه',
    noNote: 'هنوز یادداشتی نیست.',
  },
};
for (const [locale, sample] of Object.entries(words))
  i18n.addResourceBundle(locale, 'translation', { sample }, true, false);

/** The sample module's screens: its settings tab, a sighting's record-page panel, its sidebar entry. */
export const sampleWeb = defineWebModule({
  name: 'sample',
  nav: [{ area: 'main', order: 90, component: SampleNav }],
  settingsTabs: [
    {
      value: 'sample',
      labelKey: 'sample.tab',
      permission: 'sample.use',
      order: 90,
      component: lazy(() => import('./components/SampleSettings.tsx')),
    },
  ],
  recordPanels: [
    {
      id: 'sample-sighting',
      objects: ['sightings'],
      area: 'main',
      order: 10,
      component: lazy(() => import('./components/SightingPanel.tsx')),
    },
  ],
  live: {
    records: (qc, objects) => {
      if (objects.has('sightings')) void qc.invalidateQueries({ queryKey: sampleKeys.all });
    },
  },
});

export default sampleWeb;
