import { type GatewaySetting, parseGatewaySetting } from "./gateway-setting.ts";
import { type OtelSettingValue, parseOtelSetting } from "./otel-setting.ts";

/**
 * Every setting llmeter reads, with its environment variable, default and parser. This table is
 * the configuration reference: the README's table and `llmeter usage config` are made from it.
 */

export interface SettingSpec<T> {
  env: string;
  /**
   * Other variables read for the setting when `env` is not set, e.g. `LLMETER_DATABASE_URL` for
   * `db`. When both are set and disagree, `env` wins and the configuration says so once.
   */
  envAliases?: readonly string[];
  description: string;
  defaultValue: T;
  /** Parses a value from the environment (a string) or the config file (JSON). Throws a message. */
  parse(value: unknown): T;
}

function parseBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(lower)) return true;
    if (["false", "0", "no", "off"].includes(lower)) return false;
  }
  throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
}

function integerParser(min: number, max: number) {
  return (value: unknown): number => {
    const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number) || number < min || number > max) {
      throw new Error(
        `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return number;
  };
}

function parseString(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new Error(`expected a non-empty string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function parseOptionalString(value: unknown): string | undefined {
  return value === undefined || value === "" ? undefined : parseString(value);
}

function parseTimeZone(value: unknown): string | undefined {
  const zone = parseOptionalString(value);
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw new Error(
      `unknown time zone ${JSON.stringify(zone)}; use an IANA name like "Europe/Paris"`,
    );
  }
  return zone;
}

// Budget rules: a JSON array (file) or a JSON string of one (env); each rule is checked by the meter.
function parseAlertRules(value: unknown): unknown[] | undefined {
  return parseRuleArray(
    value,
    "health alert rules",
    '[{ "id": "slow", "metric": "latencyP95Ms", "above": 5000 }]',
  );
}

function parseBudgets(value: unknown): unknown[] | undefined {
  return parseRuleArray(value, "budget rules", '[{ "window": "day", "limitUsd": 50 }]');
}

function parseRuleArray(value: unknown, what: string, example: string): unknown[] | undefined {
  if (value === undefined || value === "") return undefined;
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`expected a JSON array of ${what}, got ${JSON.stringify(value)}`);
    }
  }
  if (!Array.isArray(parsed)) throw new Error(`expected an array of ${what} such as ${example}`);
  return parsed;
}

/** Attribution field to the (lower-case) name of the request header that carries it. */
export type AttributionHeaders = Partial<Record<"tenantId" | "userId" | "sessionId", string>>;

const DEFAULT_ATTRIBUTION_HEADERS: AttributionHeaders = {
  tenantId: "x-tenant-id",
  userId: "x-user-id",
  sessionId: "x-session-id",
};
const ATTRIBUTION_HEADER_FIELDS = ["tenantId", "userId", "sessionId"] as const;

// An object (file or JSON env) or "field=header,field=header" (env); header names compare lower-case.
function parseAttributionHeaders(value: unknown): AttributionHeaders {
  if (value === "off" || value === false) return {};
  let parsed = value;
  if (typeof value === "string") {
    const text = value.trim();
    parsed = text.startsWith("{")
      ? JSON.parse(text)
      : Object.fromEntries(
          text.split(",").map((pair) => pair.split("=").map((part) => part.trim())),
        );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(
      `expected {"tenantId":"x-tenant-id"} or "tenantId=x-tenant-id", got ${JSON.stringify(value)}`,
    );
  const result: AttributionHeaders = {};
  for (const [field, header] of Object.entries(parsed)) {
    if (!(ATTRIBUTION_HEADER_FIELDS as readonly string[]).includes(field))
      throw new Error(
        `unknown attribution field ${JSON.stringify(field)}; use ${ATTRIBUTION_HEADER_FIELDS.join(", ")}`,
      );
    if (typeof header !== "string" || header.trim() === "")
      throw new Error(`expected a header name for ${field}, got ${JSON.stringify(header)}`);
    result[field as keyof AttributionHeaders] = header.trim().toLowerCase();
  }
  return result;
}

export const SETTINGS = {
  enabled: {
    env: "LLMETER_ENABLED",
    description: "Record usage at all. false makes the meter a no-op.",
    defaultValue: true,
    parse: parseBoolean,
  } satisfies SettingSpec<boolean>,
  maxHistory: {
    env: "LLMETER_MAX_HISTORY",
    description: "Events kept in memory for live stats (oldest dropped first).",
    defaultValue: 10_000,
    parse: integerParser(0, 10_000_000),
  } satisfies SettingSpec<number>,
  maxBufferedEvents: {
    env: "LLMETER_MAX_BUFFERED_EVENTS",
    description:
      "Events buffered per sink while it is slow or failing; beyond, events are dropped and counted.",
    defaultValue: 100_000,
    parse: integerParser(1, 100_000_000),
  } satisfies SettingSpec<number>,
  timeZone: {
    env: "LLMETER_TZ",
    description: "IANA time zone for day, week and month buckets. Default: the machine's.",
    defaultValue: undefined as string | undefined,
    parse: parseTimeZone,
  } satisfies SettingSpec<string | undefined>,
  db: {
    env: "LLMETER_DB",
    envAliases: ["LLMETER_DATABASE_URL"],
    description:
      "Ledger location: a SQLite file path or a postgres:// URL. LLMETER_DATABASE_URL is read when LLMETER_DB is not set.",
    defaultValue: ".llmeter/usage.db",
    parse: parseString,
  } satisfies SettingSpec<string>,
  retentionDays: {
    env: "LLMETER_RETENTION_DAYS",
    description:
      "Days of usage the ledger keeps; older events are deleted in small batches. Default: keep everything.",
    defaultValue: undefined as number | undefined,
    parse: (value: unknown) =>
      value === undefined || value === "" ? undefined : integerParser(1, 36_500)(value),
  } satisfies SettingSpec<number | undefined>,
  maxLedgerMb: {
    env: "LLMETER_MAX_LEDGER_MB",
    description:
      "Largest size of the SQLite ledger in megabytes; the oldest events are deleted beyond it. Default: no limit.",
    defaultValue: undefined as number | undefined,
    parse: (value: unknown) =>
      value === undefined || value === "" ? undefined : integerParser(1, 10_000_000)(value),
  } satisfies SettingSpec<number | undefined>,
  prices: {
    env: "LLMETER_PRICES",
    description: "Path of a JSON price file that adds or overrides catalog prices.",
    defaultValue: undefined as string | undefined,
    parse: parseOptionalString,
  } satisfies SettingSpec<string | undefined>,
  syncWrites: {
    env: "LLMETER_SYNC_WRITES",
    description: "Write each event to the ledger before the call returns (slower, loses nothing).",
    defaultValue: false,
    parse: parseBoolean,
  } satisfies SettingSpec<boolean>,
  captureContent: {
    env: "LLMETER_CAPTURE_CONTENT",
    description:
      "Keep prompt and response text. Off by default; never turn on for data you must not store.",
    defaultValue: false,
    parse: parseBoolean,
  } satisfies SettingSpec<boolean>,
  budgets: {
    env: "LLMETER_BUDGETS",
    description:
      'Budget rules (JSON array), e.g. [{"window":"day","limitUsd":50,"enforce":true}]. See docs/budgets.md.',
    defaultValue: undefined as unknown[] | undefined,
    parse: parseBudgets,
  } satisfies SettingSpec<unknown[] | undefined>,
  alerts: {
    env: "LLMETER_ALERTS",
    description:
      'Health alert rules (JSON array), e.g. [{"id":"slow","metric":"latencyP95Ms","above":5000,"window":"5m","minCalls":20}]. See docs/alerts.md.',
    defaultValue: undefined as unknown[] | undefined,
    parse: parseAlertRules,
  } satisfies SettingSpec<unknown[] | undefined>,
  otel: {
    env: "LLMETER_OTEL",
    description:
      'OpenTelemetry spans, metrics and logs for every call: true (through the providers the application registered), false, export (llmeter\'s own OTLP export, configured by the OTEL_EXPORTER_OTLP_* variables) or an object such as {"endpoint":"http://localhost:4318","protocol":"http/protobuf"}. See docs/opentelemetry.md.',
    defaultValue: undefined as OtelSettingValue | undefined,
    parse: parseOtelSetting,
  } satisfies SettingSpec<OtelSettingValue | undefined>,
  attributionHeaders: {
    env: "LLMETER_ATTRIBUTION_HEADERS",
    description:
      'Under llmeter/auto: incoming HTTP request headers read as the attribution of every call made while serving the request, as {"tenantId":"x-tenant-id","userId":"x-user-id","sessionId":"x-session-id"} (the default) or "tenantId=x-org,userId=x-user"; "off" reads none. See docs/auto.md.',
    defaultValue: DEFAULT_ATTRIBUTION_HEADERS,
    parse: parseAttributionHeaders,
  } satisfies SettingSpec<AttributionHeaders>,
  session: {
    env: "LLMETER_SESSION",
    description:
      "Under llmeter/auto: the session id every call of the process carries (llmeter run sets it for the run).",
    defaultValue: undefined as string | undefined,
    parse: parseOptionalString,
  } satisfies SettingSpec<string | undefined>,
  gateway: {
    env: "LLMETER_GATEWAY",
    description:
      'llmeter gateway: port, host, providers (base URL and include_usage injection per route), maxRequestBytes, requestTimeoutMs, drainTimeoutMs, dashboard, accessLog, e.g. {"port":4390,"providers":{"vllm":{"baseUrl":"http://10.0.0.5:8000/v1"}}}. See docs/gateway.md.',
    defaultValue: undefined as GatewaySetting | undefined,
    parse: parseGatewaySetting,
  } satisfies SettingSpec<GatewaySetting | undefined>,
} as const;

export type SettingName = keyof typeof SETTINGS;

export type LlmeterConfig = {
  [K in SettingName]: (typeof SETTINGS)[K]["defaultValue"];
};

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** `LLMETER_*` variables that are not settings of the table above, with what they do. */
export const OTHER_VARIABLES = {
  LLMETER_CONFIG:
    'Path of the project configuration file (default .llmeter/config.json); "none" reads no file.',
  LLMETER_DEBUG: "Print llmeter's debug diagnostics on stderr.",
  LLMETER_DASHBOARD_TOKEN: "Access token of `llmeter serve` (the dashboard).",
  LLMETER_GATEWAY_URL:
    "Set by `llmeter run` for its child: the ephemeral gateway's URL; llmeter/auto does not instrument clients pointed at it.",
} as const;

/** Variables llmeter's own test suite and benchmarks read; known, so they draw no warning. */
export const DEVELOPMENT_VARIABLES = [
  "LLMETER_TEST_DATABASE_URL",
  "LLMETER_TEST_PG_PORT",
  "LLMETER_TEST_CHROMIUM",
  "LLMETER_PROMETHEUS_BIN",
  "LLMETER_SOAK_SECONDS",
  "LLMETER_BENCH_EVENTS",
] as const;

/** Every `LLMETER_*` variable llmeter reads; any other is reported as a likely typo. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set<string>([
  ...SETTING_NAMES.flatMap((name) => {
    const spec: SettingSpec<unknown> = SETTINGS[name];
    return [spec.env, ...(spec.envAliases ?? [])];
  }),
  ...Object.keys(OTHER_VARIABLES),
  ...DEVELOPMENT_VARIABLES,
]);
