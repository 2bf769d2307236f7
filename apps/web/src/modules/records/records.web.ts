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
const record = createRoute({
  getParentRoute: () => appRoute,
  path: '/o/$object/$id',
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
