import type { QueryClient } from '@tanstack/react-query';
import type { AnyRoute } from '@tanstack/react-router';
import {
  type ComponentType,
  createElement,
  type LazyExoticComponent,
  lazy,
  type ReactElement,
  Suspense,
} from 'react';
import type { RecordData } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import type { FieldDef, ObjectDef } from './metadata/utils/metadata.ts';

/** A workspace-wide action a role may hold: the `permission` the server's routes check. */
export type Action = components['schemas']['Role']['permissions']['actions'][number];

type Screen<P = object> = ComponentType<P> | LazyExoticComponent<ComponentType<P>>;

/** A tab of the settings page. Shown only to a caller holding `permission` (none: everyone's own settings). */
export interface SettingsTab {
  /** The tab's value in the URL (`/settings?tab=…`). */
  value: string;
  /** Dictionary key of the tab's name. */
  labelKey: string;
  /** The action the server's routes behind this tab require. */
  permission: Action | null;
  /** Place among all modules' tabs (lower first). */
  order: number;
  component: Screen;
}

/** What a record-page panel is given: the record's object, the record, and its id. */
export interface RecordPanelProps {
  object: ObjectDef;
  record: RecordData;
  id: string;
}

/**
 * A slot on the record page that a module fills for the objects it names: `main` under the record's details,
 * `side` beside them.
 */
export interface RecordPanel {
  id: string;
  /** The objects whose record page shows it; `'*'` for every object. */
  objects: readonly string[] | '*';
  area: 'main' | 'side';
  order: number;
  component: Screen<RecordPanelProps>;
}

/** What a field view is given: the field, its value, and the record's object and id. */
export interface FieldViewProps {
  field: FieldDef;
  value: unknown;
  objectKey: string;
  recordId: string;
}

/**
 * How a module shows one field of one object wherever a record's value is read (list cells, cards, the record
 * page): the sales module's lead score as a badge with its reasons. Empty values keep the shared look.
 */
export interface FieldView {
  object: string;
  field: string;
  component: Screen<FieldViewProps>;
}

/** What a field input is given: the field, its value, how to hand a new one up, and the form's label state. */
export interface FieldInputProps {
  field: FieldDef;
  value: unknown;
  onChange: (value: unknown) => void;
  label: string;
  hideLabel?: boolean | undefined;
  required?: boolean | undefined;
  error?: string | undefined;
}

/** How a module edits one field of one object in record forms (a deal's win or loss reason, by its label). */
export interface FieldInputView {
  object: string;
  field: string;
  component: Screen<FieldInputProps>;
}

/** A timeline entry of a kind a module adds (its server's `timelineSources`), as the timeline gives it. */
export interface TimelineEntryViewProps {
  entry: { kind: string; id: string; at: string } & Record<string, unknown>;
}

/** How a module shows the timeline entries of its kind: "workflow Thank-you note ran", linking to the run. */
export interface TimelineEntryView {
  kind: string;
  component: Screen<TimelineEntryViewProps>;
}

/** What a list's toolbar action is given: the object, the list's columns and filter, the selected rows. */
export interface ListActionProps {
  object: ObjectDef;
  columns: readonly string[];
  /** The list's filter tree as the API's `filter` parameter, when it has one. */
  filter: string | undefined;
  selected: ReadonlySet<string>;
}

/** A button or menu a module adds to every list's toolbar (export, import). */
export interface ListAction {
  order: number;
  component: ComponentType<ListActionProps>;
}

/** An entry of the sidebar: `main` with the screens, `footer` at its foot. */
export interface NavEntry {
  area: 'main' | 'footer';
  order: number;
  /** Called when an entry is followed, so the sidebar closes on a phone. */
  component: ComponentType<{ onNavigate: () => void }>;
}

/** Something a module puts in the header (search, notifications), in `order`. */
export interface HeaderEntry {
  order: number;
  component: ComponentType;
}

/** How a module keeps its screens live: the server's event stream says what changed, the module refreshes. */
export interface LiveHandlers {
  /** Records of these objects were created, changed or deleted. */
  records?: (qc: QueryClient, objects: ReadonlySet<string>) => void;
  /** A notification arrived for the signed-in person. */
  notification?: (qc: QueryClient) => void;
  /**
   * Agents' presence changed (the stream's `presence` events of a burst, for holders of `calls.read`): whose, and
   * who is signed in here.
   */
  presence?: (qc: QueryClient, change: { userIds: ReadonlySet<string>; me: string }) => void;
  /** A call of the workspace changed state (the stream's `wall` event, for holders of `calls.supervise`). */
  wall?: (qc: QueryClient) => void;
  /** A call of the signed-in agent's rang, was answered, held or ended (or went to another agent). */
  call?: (qc: QueryClient, event: LiveCallEvent) => void;
}

/** What the event stream says of a call: which, its state, when (the card itself is read through the API). */
export interface LiveCallEvent {
  callId: string;
  state: string;
  at: string;
}

/**
 * A web module declares itself: its screens (routes under the signed-in frame, or public ones such as sign-in),
 * its sidebar and header entries, its settings tabs, the record-page panels and list actions it adds, and its
 * live refreshes.
 * The router, the shell, the settings page and the record page read these and know no module by name.
 */
export interface WebModule {
  name: string;
  publicRoutes?: readonly AnyRoute[];
  routes?: readonly AnyRoute[];
  nav?: readonly NavEntry[];
  header?: readonly HeaderEntry[];
  settingsTabs?: readonly SettingsTab[];
  recordPanels?: readonly RecordPanel[];
  listActions?: readonly ListAction[];
  fieldViews?: readonly FieldView[];
  fieldInputs?: readonly FieldInputView[];
  timelineEntries?: readonly TimelineEntryView[];
  /** Shown beside each phone number a record page shows (click-to-call); `number` is the E.164 form. */
  phoneActions?: readonly ComponentType<{ number: string }>[];
  live?: LiveHandlers;
  /** Where a signed-in person lands on `/`, when the module has a say (the first module answering wins). */
  landing?: Landing;
}

/**
 * A module's say on the first screen after signing in: a path to land on, or null to leave it to the next module
 * (and in the end to the people list). Asked in `order`, lowest first.
 */
export interface Landing {
  order: number;
  path: () => Promise<string | null>;
}

/** Keeps a manifest's exact route types, so the router's typed links know every module's paths. */
export function defineWebModule<const M extends WebModule>(module: M): M {
  return module;
}

/** The panels every module fills for an object's record page, in one area, in order. */
export function panelsFor(
  modules: readonly WebModule[],
  object: string,
  area: RecordPanel['area'],
): RecordPanel[] {
  return modules
    .flatMap((m) => m.recordPanels ?? [])
    .filter((p) => p.area === area && (p.objects === '*' || p.objects.includes(object)))
    .sort((a, b) => a.order - b.order);
}

/** The view a module gives this field of this object, if one does. */
export function fieldViewFor(
  modules: readonly WebModule[],
  object: string,
  field: string,
): FieldView | undefined {
  return modules.flatMap((m) => m.fieldViews ?? []).find((v) => v.object === object && v.field === field);
}

/** The input a module gives this field of this object, if one does. */
export function fieldInputFor(
  modules: readonly WebModule[],
  object: string,
  field: string,
): FieldInputView | undefined {
  return modules.flatMap((m) => m.fieldInputs ?? []).find((v) => v.object === object && v.field === field);
}

/** The view a module gives timeline entries of this kind, if one does. */
export function timelineEntryViewFor(
  modules: readonly WebModule[],
  kind: string,
): TimelineEntryView | undefined {
  return modules.flatMap((m) => m.timelineEntries ?? []).find((v) => v.kind === kind);
}

/** A screen loaded in a chunk of its own when first visited (the first bundle stays small). */
export function lazyScreen(load: () => Promise<{ default: ComponentType }>): () => ReactElement {
  const Screen = lazy(load);
  return () => createElement(Suspense, null, createElement(Screen));
}
