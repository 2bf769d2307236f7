import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { ObjectsNav } from './components/ObjectsNav.tsx';
import { recordKeys } from './utils/record-keys.ts';

const list = createRoute({
  getParentRoute: () => appRoute,
  path: '/o/$object',
  component: lazyScreen(() => import('./components/ListPage.tsx')),
});
/** A record page may be focused on one of the record's calls (`?call=<id>`, from the call card). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const record = createRoute({
  getParentRoute: () => appRoute,
  path: '/o/$object/$id',
  validateSearch: (s: Record<string, unknown>): { call?: string } =>
    typeof s.call === 'string' && UUID.test(s.call) ? { call: s.call } : {},
  component: lazyScreen(() => import('./components/RecordPage.tsx')),
});

/** Records of every object: lists (tables and boards), record pages, forms and the sidebar of objects. */
export const recordsWeb = defineWebModule({
  name: 'records',
  routes: [list, record],
  nav: [{ area: 'main', order: 10, component: ObjectsNav }],
  recordPanels: [
    {
      id: 'related-lists',
      objects: '*',
      area: 'main',
      order: 10,
      component: lazy(() => import('./components/RelatedLists.tsx')),
    },
  ],
  live: {
    records: (qc, objects) => {
      for (const object of objects) {
        void qc.invalidateQueries({ queryKey: recordKeys.lists(object) });
        void qc.invalidateQueries({ queryKey: recordKeys.details(object) });
      }
    },
  },
});
