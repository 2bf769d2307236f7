import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { emailSettings } from '../email/email.settings.ts';
import { webhooksSettings } from '../webhooks/webhooks.settings.ts';
import { workflowsSettings } from '../workflows/workflows.settings.ts';
import { MODULES } from './index.ts';
import { buildRegistry } from './registry.ts';
import { defaultSettings, defineSettings, envSchema, envVariable, readEnvironment } from './settings.ts';

const variable = <T>(schema: z.ZodType<T | undefined, string | undefined>) =>
  envVariable({ name: 'RABITA_PROBE', schema, description: 'A probe.' });

describe('environment variables', () => {
  it('reads the usual kinds, an empty or blank text as unset', () => {
    const bool = variable(envSchema.bool());
    expect(['TRUE', '1', 'yes', 'On'].map((v) => bool.read(v))).toEqual(
      Array(4).fill({ ok: true, value: true }),
    );
    expect(bool.read('off')).toEqual({ ok: true, value: false });
    expect(bool.read('')).toEqual({ ok: true, value: undefined });
    expect(variable(envSchema.text()).read('   ')).toEqual({ ok: true, value: undefined });
    expect(variable(envSchema.checkedText(() => false, 'must not be')).read('  ')).toEqual({
      ok: true,
      value: undefined,
    });
    expect(variable(envSchema.oneOf(['a', 'b'])).read('c')).toEqual({
      ok: false,
      problems: ['RABITA_PROBE must be one of a, b (got "c")'],
    });
    expect(variable(envSchema.url(['https:'], 'give an https address')).read('http://x')).toEqual({
      ok: false,
      problems: ['RABITA_PROBE is not a valid https: URL; give an https address'],
    });
  });

  it('introduces a library schema’s own sentence with the variable’s name', () => {
    const read = variable(z.string().max(3).optional()).read('toolong');
    expect(read.ok).toBe(false);
    expect(!read.ok && read.problems[0]).toMatch(/^RABITA_PROBE: /);
  });
});

describe('module settings', () => {
  it('refuses two modules that declare the same variable', () => {
    const twin = defineSettings({
      variables: {
        allowPrivate: envVariable({
          name: 'RABITA_WEBHOOKS_ALLOW_PRIVATE',
          schema: envSchema.bool(),
          description: 'x',
        }),
      },
      build: (v) => v,
    });
    expect(() => buildRegistry([...MODULES, { key: 'twin', settings: twin }])).toThrow(
      'Module "twin" declares the environment variable "RABITA_WEBHOOKS_ALLOW_PRIVATE", which another module already declares.',
    );
  });

  it('gives every installed module its defaults, and a changed copy that leaves them as they were', () => {
    const defaults = defaultSettings();
    expect(defaults.of(webhooksSettings)).toEqual({ allowPrivate: false });
    const changed = defaults
      .with(emailSettings, { allowPrivate: true, pollMs: 1000 })
      .with(workflowsSettings, { smtp: { url: 'smtp://127.0.0.1:2525', from: undefined } });
    expect(changed.of(emailSettings)).toMatchObject({
      allowPrivate: true,
      pollMs: 1000,
      maxMessageBytes: 40 * 1024 * 1024,
    });
    expect(defaults.of(emailSettings)).toMatchObject({ allowPrivate: false, pollMs: 120_000 });
    expect(Object.isFrozen(changed.of(workflowsSettings).smtp)).toBe(true);
    expect(changed.of(workflowsSettings).stepsPerMinute).toBe(6000);
  });

  it('makes no settings when a variable is wrong, and lists the problem', () => {
    const read = readEnvironment({ RABITA_WORKFLOW_STEPS_PER_MINUTE: '0' }, {}, MODULES);
    expect(read.problems).toEqual([
      'RABITA_WORKFLOW_STEPS_PER_MINUTE must be a whole number from 1 to 1000000 (got "0"); the default is 6000',
    ]);
    expect(() => read.settings.of(workflowsSettings)).toThrow(/No settings were read/);
  });
});
