import type { Environment } from "../../config/environment.ts";
import { resolveConfig } from "../../config/resolve-config.ts";

/** The schema llmeter's tables live in when neither the option nor the URL names one. */
export const DEFAULT_SCHEMA = "llmeter";

/** Where the store connects: the URL handed to `pg`, its printable form and the schema. */
export interface ConnectionTarget {
  /** The URL for `pg`, without llmeter's own `schema` parameter. */
  connectionString: string;
  /** The URL with its password replaced by `***`, for messages and logs. */
  displayUrl: string;
  schema: string;
}

/** Whether `location` is a PostgreSQL URL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The URL with any password replaced by `***`, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    // Not parseable: print nothing of it rather than risk leaking a password.
    return "(unparseable URL)";
  }
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Picks the database URL (option, else `LLMETER_DATABASE_URL`, else a postgres:// `db` setting
 * from `LLMETER_DB` or `.llmeter/config.json`) and the schema (option, else the URL's `?schema=`,
 * else `llmeter`). Throws an error that says what is missing or wrong and how to fix it.
 */
export function resolveConnectionTarget(options: {
  url?: string;
  schema?: string;
  env?: Environment;
  cwd?: string;
}): ConnectionTarget {
  const env = options.env ?? process.env;
  let url = options.url ?? nonEmpty(env.LLMETER_DATABASE_URL);
  let where = options.url !== undefined ? 'option "url"' : "LLMETER_DATABASE_URL";
  if (url === undefined) {
    const configured = resolveConfig({}, { env, ...(options.cwd ? { cwd: options.cwd } : {}) });
    if (isPostgresUrl(configured.values.db)) {
      url = configured.values.db;
      where = configured.sources.db === "env" ? "LLMETER_DB" : 'the "db" setting';
    }
  }
  if (url === undefined) {
    throw new Error(
      'No PostgreSQL URL for the llmeter store. Pass { url: "postgres://user:password@host:5432/db" }, set LLMETER_DATABASE_URL, or set LLMETER_DB (or "db" in .llmeter/config.json) to a postgres:// URL.',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error(
      `The PostgreSQL URL in ${where} is not a valid URL. Use the form postgres://user:password@host:5432/database.`,
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(
      `The URL in ${where} starts with "${parsed.protocol}//"; the PostgreSQL store needs postgres:// or postgresql://.`,
    );
  }
  const urlSchema = nonEmpty(parsed.searchParams.get("schema") ?? undefined);
  parsed.searchParams.delete("schema");
  const schema = options.schema ?? urlSchema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `Invalid PostgreSQL schema name ${JSON.stringify(schema)} (from ${options.schema !== undefined ? 'option "schema"' : `the ?schema= parameter of ${where}`}). Use letters, digits and underscores, starting with a letter or underscore, at most 63 characters.`,
    );
  }
  const connectionString = parsed.toString();
  return { connectionString, displayUrl: redactUrl(connectionString), schema };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
