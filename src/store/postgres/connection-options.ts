import type { Environment } from "../../config/environment.ts";
import type { ConfigWarning } from "../../config/environment-warnings.ts";
import { isPostgresUrl, resolveLedgerLocation } from "../../config/ledger-location.ts";

/** The schema llmeter's tables live in when neither the option nor the URL names one. */
export const DEFAULT_SCHEMA = "llmeter";

/** Where the store connects: the URL handed to `pg`, its printable form and the schema. */
export interface ConnectionTarget {
  /** The URL for `pg`, without llmeter's own `schema` parameter. */
  connectionString: string;
  /** The URL with its password replaced by `***`, for messages and logs. */
  displayUrl: string;
  schema: string;
  /** Configuration warnings met while reading the settings (none when the URL was passed). */
  warnings: ConfigWarning[];
}

export { isPostgresUrl };

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
 * Picks the database URL and the schema. The URL: the `url` option, else the ledger the settings
 * name, read like everywhere else in llmeter (`LLMETER_DB`, else `LLMETER_DATABASE_URL`, else
 * `"db"` in `.llmeter/config.json`), which must then be a postgres:// URL. The schema: option,
 * else the URL's `?schema=`, else `llmeter`. Throws an error that says what is missing or wrong
 * and how to fix it.
 */
export function resolveConnectionTarget(options: {
  url?: string;
  schema?: string;
  env?: Environment;
  cwd?: string;
}): ConnectionTarget {
  let url = options.url;
  let where = 'option "url"';
  let warnings: ConfigWarning[] = [];
  if (url === undefined) {
    const configured = resolveLedgerLocation(undefined, {
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    warnings = configured.warnings;
    if (!configured.postgres) {
      const conflicts = warnings
        .filter((warning) => warning.key.startsWith("conflicting-variables:"))
        .map((warning) => ` (${warning.message})`)
        .join("");
      throw new Error(
        configured.source === "default"
          ? 'No PostgreSQL URL for the llmeter store. Pass { url: "postgres://user:password@host:5432/db" }, or set LLMETER_DB or LLMETER_DATABASE_URL (or "db" in .llmeter/config.json) to a postgres:// URL.'
          : `No PostgreSQL URL for the llmeter store: the ledger is named by ${configured.origin}, and it is a SQLite path${conflicts}. Pass { url: "postgres://user:password@host:5432/db" }, or set that setting to a postgres:// URL.`,
      );
    }
    url = configured.location;
    where = configured.origin;
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
  return { connectionString, displayUrl: redactUrl(connectionString), schema, warnings };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
