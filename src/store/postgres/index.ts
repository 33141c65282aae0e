/**
 * `llmeter/postgres`: the usage ledger on PostgreSQL, for a fleet of application instances that
 * share one ledger. Needs the `pg` package (an optional peer dependency).
 */
export {
  type ConnectionTarget,
  DEFAULT_SCHEMA,
  isPostgresUrl,
  redactUrl,
  resolveConnectionTarget,
} from "./connection-options.ts";
export {
  createPostgresStore,
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreHealth,
  type PostgresStoreOptions,
} from "./postgres-store.ts";
export { isTransientError, type RetryPolicy } from "./retry.ts";
export { SCHEMA_VERSION } from "./schema.ts";
