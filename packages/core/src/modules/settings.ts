import { z } from 'zod';
import type { ModuleManifest } from './manifest.ts';
import { registry } from './registry.ts';

/**
 * One environment variable: its name, how its text is read, what an unset one means, and the sentence the
 * operations guide, `rabita --help` and configuration errors show. An empty variable counts as unset.
 */
export interface EnvVariable<T> {
  readonly name: string;
  readonly description: string;
  /** The value when the variable is unset (undefined: none; the reader decides). */
  readonly default: T | undefined;
  /** The default in words when it is not one plain value (`the CPU cores but one`). */
  readonly defaultText: string | undefined;
  /** Reads the variable's text: its value, or the problems, each a whole sentence naming the variable. */
  read(text: string | undefined): { ok: true; value: T } | { ok: false; problems: string[] };
}

interface VariableSpec<T> {
  name: string;
  /**
   * Reads the text (undefined when unset or empty). Its issues are phrases that follow the variable's name
   * (`must be true or false (got "maybe")`); `envSchema` has the usual ones.
   */
  schema: z.ZodType<T | undefined, string | undefined>;
  description: string;
  defaultText?: string | undefined;
}

/** Declares an environment variable with a default: its value is never undefined. */
export function envVariable<T>(spec: VariableSpec<T> & { default: NoInfer<T> }): EnvVariable<T>;
/** Declares an environment variable without a default: unset, its value is undefined. */
export function envVariable<T>(spec: VariableSpec<T> & { default?: undefined }): EnvVariable<T | undefined>;
export function envVariable<T>(
  spec: VariableSpec<T> & { default?: T | undefined },
): EnvVariable<T | undefined> {
  return {
    name: spec.name,
    description: spec.description,
    default: spec.default,
    defaultText: spec.defaultText,
    read(text) {
      const parsed = spec.schema.safeParse(text === '' ? undefined : text);
      if (parsed.success) return { ok: true, value: parsed.data ?? spec.default };
      return {
        ok: false,
        // A phrase of ours follows the name ("PORT must be…"); a library's sentence is introduced by it.
        problems: parsed.error.issues.map((issue) =>
          /^[a-z]/.test(issue.message) ? `${spec.name} ${issue.message}` : `${spec.name}: ${issue.message}`,
        ),
      };
    },
  };
}

/** What a value looked like, for a problem's "(got …)" (a huge one is cut, so the message stays readable). */
function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Readers for the usual kinds of variable; each refuses with a phrase that follows the variable's name. */
export const envSchema = {
  /** `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, in any case. */
  bool: () =>
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const v = value.toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(v)) return true;
        if (['false', '0', 'no', 'off'].includes(v)) return false;
        ctx.addIssue({ code: 'custom', message: `must be true or false (got ${shown(value)})` });
        return z.NEVER;
      }),
  /** A whole number from `min` to `max`; `hint` says what to do instead (`the default is 4`). */
  int: (min: number, max: number, hint: string) =>
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a whole number from ${min} to ${max} (got ${shown(value)}); ${hint}`,
          });
          return z.NEVER;
        }
        return n;
      }),
  /** A URL of one of `protocols` (`['https:']`), kept as written. */
  url: (protocols: readonly string[], hint: string) =>
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        if (!URL.canParse(value) || !protocols.includes(new URL(value).protocol)) {
          ctx.addIssue({ code: 'custom', message: `is not a valid ${protocols.join(' or ')} URL; ${hint}` });
          return z.NEVER;
        }
        return value;
      }),
  /** Text, trimmed (only spaces: unset). */
  text: () =>
    z
      .string()
      .optional()
      .transform((value) => value?.trim() || undefined),
  /** Text, trimmed, that must pass `valid`; else `problem` (which should not repeat the value: it may be secret). */
  checkedText: (valid: (value: string) => boolean, problem: string) =>
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        const v = value?.trim();
        if (!v) return undefined;
        if (valid(v)) return v;
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }),
  /** One of a few words, exactly. */
  oneOf: <const W extends string>(words: readonly W[]) =>
    z
      .string()
      .optional()
      .transform((value, ctx): W | undefined => {
        if (value === undefined) return undefined;
        if ((words as readonly string[]).includes(value)) return value as W;
        ctx.addIssue({ code: 'custom', message: `must be one of ${words.join(', ')} (got ${shown(value)})` });
        return z.NEVER;
      }),
};

/** Variables by the name a reader uses for them (`allowPrivate`), not the environment's. */
export type VariableSet = Readonly<Record<string, EnvVariable<unknown>>>;

/** The values of a variable set, by the same names. */
export type ValuesOf<V extends VariableSet> = {
  readonly [K in keyof V]: V[K] extends EnvVariable<infer T> ? T : never;
};

/**
 * What a module reads from the environment (`ModuleManifest.settings`) and the typed settings object it makes of
 * it. Routes and tasks read it with `deps.settings.of(decl)`; the declaration is the key, so its type is the
 * settings object's.
 */
export interface ModuleSettingsDecl<T> {
  readonly variables: readonly EnvVariable<unknown>[];
  /** Makes the settings from the variables' values, by environment name. */
  make(values: ReadonlyMap<string, unknown>): T;
}

/** The settings object a declaration makes (`SettingsOf<typeof emailSettings>`). */
export type SettingsOf<D> = D extends ModuleSettingsDecl<infer T> ? T : never;

/**
 * Declares a module's settings: its variables (by the name `build` reads them under) and how their values become
 * the settings object, which may hold more than the variables (a limit no operator sets, a test's poll interval).
 */
export function defineSettings<const V extends VariableSet, T>(spec: {
  variables: V;
  build(values: ValuesOf<V>): T;
}): ModuleSettingsDecl<T> {
  const entries = Object.entries(spec.variables);
  return {
    variables: entries.map(([, variable]) => variable),
    make(values) {
      const byKey = Object.fromEntries(entries.map(([key, variable]) => [key, values.get(variable.name)]));
      return spec.build(byKey as ValuesOf<V>);
    },
  };
}

/** Reads installed modules' settings: what routes and tasks get as `deps.settings.of`. */
export interface SettingsReader {
  /** The settings of the module that declares `decl`, as read at start-up (frozen). */
  of<T>(decl: ModuleSettingsDecl<T>): T;
}

/** Every module's settings, read once. */
export interface ModuleSettings extends SettingsReader {
  /** A copy with one module's settings changed (tests and tools; the process's own are never changed). */
  with<T>(decl: ModuleSettingsDecl<T>, change: Partial<T>): ModuleSettings;
}

class SettingsBook implements ModuleSettings {
  private readonly values: ReadonlyMap<ModuleSettingsDecl<unknown>, unknown>;
  constructor(values: ReadonlyMap<ModuleSettingsDecl<unknown>, unknown>) {
    this.values = values;
    Object.freeze(this);
  }
  of<T>(decl: ModuleSettingsDecl<T>): T {
    if (!this.values.has(decl))
      throw new Error(
        `No settings were read for the module declaring ${decl.variables.map((v) => v.name).join(', ') || 'these settings'}: ` +
          'the configuration was read for a module list without it (pass the same list to loadConfig and buildApp).',
      );
    return this.values.get(decl) as T;
  }
  with<T>(decl: ModuleSettingsDecl<T>, change: Partial<T>): ModuleSettings {
    const base = this.values.has(decl) ? (this.values.get(decl) as T) : defaultsOf(decl);
    return new SettingsBook(new Map(this.values).set(decl, deepFreeze({ ...base, ...change })));
  }
}

/** Freezes a settings object and the plain objects and arrays inside it (a Buffer or a URL is left as it is). */
function deepFreeze<T>(value: T): T {
  const plain =
    typeof value === 'object' &&
    value !== null &&
    (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype);
  if (plain) {
    for (const inner of Object.values(value as object)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function defaultsOf<T>(decl: ModuleSettingsDecl<T>): T {
  const reading = readEnvironment({}, {}, [{ key: '(defaults)', settings: decl }]);
  if (reading.problems.length > 0) throw new Error(reading.problems.join('\n'));
  return reading.settings.of(decl);
}

/** Where a variable comes from: the platform or a module (by its key). */
export interface DeclaredVariable {
  variable: EnvVariable<unknown>;
  /** The module's key; undefined for the platform's own. */
  module: string | undefined;
}

/**
 * Every variable the platform and the modules declare, platform first, then the modules in their order. Two with
 * one name are a programming error (thrown, not a configuration problem).
 */
export function declaredVariables(
  platform: VariableSet,
  modules: readonly Pick<ModuleManifest, 'key' | 'settings'>[],
): DeclaredVariable[] {
  const all: DeclaredVariable[] = [
    ...Object.values(platform).map((variable) => ({ variable, module: undefined })),
    ...modules.flatMap((m) => (m.settings?.variables ?? []).map((variable) => ({ variable, module: m.key }))),
  ];
  const seen = new Map<string, string>();
  for (const { variable, module } of all) {
    const owner = module === undefined ? 'the platform' : `module "${module}"`;
    const before = seen.get(variable.name);
    if (before)
      throw new Error(`${owner} declares the variable ${variable.name}, which ${before} already declares.`);
    seen.set(variable.name, owner);
  }
  return all;
}

/**
 * Reads the platform's variables and every module's in one pass over the environment: the platform's values, each
 * module's settings, and every problem found (platform first, then the modules in their order). With problems,
 * the values and settings are not to be used.
 */
export function readEnvironment<V extends VariableSet>(
  env: Readonly<Record<string, string | undefined>>,
  platform: V,
  modules: readonly Pick<ModuleManifest, 'key' | 'settings'>[],
): { platform: ValuesOf<V>; settings: ModuleSettings; problems: string[] } {
  const values = new Map<string, unknown>();
  const problems: string[] = [];
  for (const { variable } of declaredVariables(platform, modules)) {
    const read = variable.read(env[variable.name]);
    if (read.ok) values.set(variable.name, read.value);
    else problems.push(...read.problems);
  }
  const platformValues = Object.fromEntries(
    Object.entries(platform).map(([key, variable]) => [key, values.get(variable.name)]),
  ) as ValuesOf<V>;
  const settings = new Map<ModuleSettingsDecl<unknown>, unknown>();
  if (problems.length === 0)
    for (const m of modules) if (m.settings) settings.set(m.settings, deepFreeze(m.settings.make(values)));
  return { platform: Object.freeze(platformValues), settings: new SettingsBook(settings), problems };
}

/**
 * Throws unless `settings` holds the settings of every module of `modules` that declares some: the server and the
 * worker check at start-up, so a configuration read for another module list fails there, not on the first request
 * or job that asks.
 */
export function assertSettingsRead(modules: readonly ModuleManifest[], settings: SettingsReader): void {
  for (const m of modules) if (m.settings) settings.of(m.settings);
}

/**
 * The installed modules' settings as an empty environment makes them (their defaults): for tests and tools that
 * run tasks without a configuration; `.with(decl, change)` changes one module's.
 */
export function defaultSettings(modules: readonly ModuleManifest[] = registry().modules): ModuleSettings {
  const reading = readEnvironment({}, {}, modules);
  if (reading.problems.length > 0) throw new Error(reading.problems.join('\n'));
  return reading.settings;
}
