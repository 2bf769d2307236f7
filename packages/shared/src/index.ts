export * from './fields.ts';
export * from './normalize.ts';
export * from './preferences.ts';
