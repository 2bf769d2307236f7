export { onCitus } from './citus.ts';
export * from './cluster-upgrade.ts';
export * from './data-folder.ts';
export * from './database.ts';
export * from './embedded-postgres.ts';
export * from './migrate.ts';
export type { DB } from './schema.gen.ts';
export * from './tenancy.ts';
export * from './transaction-memo.ts';
