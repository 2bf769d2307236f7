import type { DashboardFilters, Widget } from './dashboards.schemas.ts';

/** A home dashboard Rabita ships for a role, used until an admin chooses one. */
export interface BuiltInDashboard {
  /** Dictionary key of its name in the web app (`dashboards.builtIn.<key>`), and its name in English. */
  key: 'rep' | 'manager' | 'agent';
  name: string;
  filters: DashboardFilters;
  layout: Widget[];
}

const OPEN_TASKS = { field: 'status', op: 'in', value: ['open', 'in_progress'] };
const OPEN_TICKETS = {
  field: 'status',
  op: 'in',
  value: ['new', 'open', 'pending_customer', 'pending_third_party', 'on_hold'],
};

/** A rep's today: tasks due today, deals closing this period, leads assigned to them. */
const rep: BuiltInDashboard = {
  key: 'rep',
  name: 'My day',
  filters: { period: 'thisMonth', owner: 'me' },
  layout: [
    {
      id: 'tasks-due',
      kind: 'list',
      title: 'Tasks due today',
      x: 0,
      y: 0,
      w: 6,
      h: 4,
      list: {
        object: 'tasks',
        filter: OPEN_TASKS,
        fields: ['title', 'dueAt', 'priority'],
        sort: 'dueAt',
        limit: 10,
        dateField: 'dueAt',
        period: 'today',
      },
    },
    {
      id: 'deals-closing',
      kind: 'kpi',
      title: 'Deals closing this period',
      x: 6,
      y: 0,
      w: 3,
      h: 2,
      kpi: {
        object: 'deals',
        measure: { fn: 'count' },
        filter: { field: 'status', op: 'eq', value: 'open' },
        dateField: 'expectedCloseDate',
        compare: true,
      },
    },
    {
      id: 'amount-closing',
      kind: 'kpi',
      title: 'Amount closing this period',
      x: 9,
      y: 0,
      w: 3,
      h: 2,
      kpi: {
        object: 'deals',
        measure: { fn: 'sum', field: 'amount' },
        filter: { field: 'status', op: 'eq', value: 'open' },
        dateField: 'expectedCloseDate',
      },
    },
    {
      id: 'leads-assigned',
      kind: 'list',
      title: 'Leads assigned to me',
      x: 6,
      y: 2,
      w: 6,
      h: 4,
      list: {
        object: 'leads',
        filter: { field: 'status', op: 'in', value: ['new', 'contacted'] },
        fields: ['name', 'status', 'score'],
        sort: '-createdAt',
        limit: 10,
      },
    },
  ],
};

/** A manager's pipeline and forecast. */
const manager: BuiltInDashboard = {
  key: 'manager',
  name: 'Pipeline',
  filters: { period: 'thisQuarter' },
  layout: [
    {
      id: 'pipeline-by-stage',
      kind: 'report',
      title: 'Open pipeline by stage',
      x: 0,
      y: 0,
      w: 8,
      h: 5,
      definition: {
        object: 'deals',
        filter: { field: 'status', op: 'eq', value: 'open' },
        groupBy: [{ field: 'stage' }],
        measures: [{ fn: 'sum', field: 'amount' }, { fn: 'count' }],
        chart: 'bar',
      },
      dateField: 'expectedCloseDate',
    },
    {
      id: 'open-amount',
      kind: 'kpi',
      title: 'Open pipeline closing this period',
      x: 8,
      y: 0,
      w: 4,
      h: 2,
      kpi: {
        object: 'deals',
        measure: { fn: 'sum', field: 'amount' },
        filter: { field: 'status', op: 'eq', value: 'open' },
        dateField: 'expectedCloseDate',
        compare: true,
      },
    },
    {
      id: 'won-count',
      kind: 'kpi',
      title: 'Deals won',
      x: 8,
      y: 2,
      w: 4,
      h: 3,
      kpi: {
        object: 'deals',
        measure: { fn: 'count' },
        filter: { field: 'status', op: 'eq', value: 'won' },
        dateField: 'expectedCloseDate',
        compare: true,
      },
    },
    {
      id: 'forecast',
      kind: 'report',
      title: 'Forecast by category',
      x: 0,
      y: 5,
      w: 12,
      h: 5,
      definition: {
        object: 'deals',
        filter: { field: 'status', op: 'eq', value: 'open' },
        groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }, { field: 'forecastCategory' }],
        measures: [{ fn: 'sum', field: 'amount' }],
        chart: 'barStacked',
      },
    },
  ],
};

/** An agent's queue and the tickets whose SLA is at risk. */
const agent: BuiltInDashboard = {
  key: 'agent',
  name: 'My queue',
  filters: { owner: 'me' },
  layout: [
    {
      id: 'queue',
      kind: 'list',
      title: 'My open tickets',
      x: 0,
      y: 0,
      w: 8,
      h: 6,
      list: {
        object: 'tickets',
        filter: OPEN_TICKETS,
        fields: ['number', 'subject', 'priority', 'slaStatus'],
        sort: '-createdAt',
        limit: 20,
      },
    },
    {
      id: 'sla-risk',
      kind: 'kpi',
      title: 'SLA at risk',
      x: 8,
      y: 0,
      w: 4,
      h: 2,
      kpi: {
        object: 'tickets',
        measure: { fn: 'count' },
        filter: { and: [OPEN_TICKETS, { field: 'slaStatus', op: 'in', value: ['warning', 'breached'] }] },
      },
    },
    {
      id: 'open-tickets',
      kind: 'kpi',
      title: 'Open tickets',
      x: 8,
      y: 2,
      w: 4,
      h: 2,
      kpi: { object: 'tickets', measure: { fn: 'count' }, filter: OPEN_TICKETS },
    },
  ],
};

/** The built-in home of a role: a manager's and an admin's pipeline, an agent's queue, anyone else's day. */
export function builtInHome(roleKey: string): BuiltInDashboard {
  if (roleKey === 'manager' || roleKey === 'admin') return manager;
  if (roleKey === 'agent') return agent;
  return rep;
}
