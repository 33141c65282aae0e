/**
 * The `otel` setting: whether a meter emits OpenTelemetry spans, metrics and logs, and whether
 * llmeter itself exports them over OTLP. Parsed and checked here, with no OpenTelemetry import:
 * the meter loads `src/otel` only when the setting is on.
 */

/** The OTLP transports: HTTP with protobuf (the default) or JSON bodies, or gRPC. */
export const OTLP_PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;

/** One of `OTLP_PROTOCOLS`. */
export type OtlpProtocolName = (typeof OTLP_PROTOCOLS)[number];

/**
 * The object form of the `otel` setting. Without `endpoint` (or `export: true`) the meter uses the
 * OpenTelemetry providers the application registered; with one, llmeter also starts its own
 * OTLP export pipeline, which `meter.shutdown()` stops.
 */
export interface OtelSetting {
  /**
   * Start llmeter's own OTLP export even without `endpoint`: the exporters then read the standard
   * `OTEL_EXPORTER_OTLP_*` variables (else `http://localhost:4318`, or `:4317` for gRPC).
   * Default: true when `endpoint` is given.
   */
  export?: boolean;
  /** The collector's OTLP/HTTP base URL or OTLP/gRPC address, e.g. `http://localhost:4318`. */
  endpoint?: string;
  /** Default `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  protocol?: OtlpProtocolName;
  /** Request headers (gRPC metadata), e.g. auth. Default `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /** `service.name` of the exported resource. Default `OTEL_SERVICE_NAME`, else `llmeter`. */
  serviceName?: string;
  /** How often llmeter's own export pushes metrics. Default 60 s. */
  metricIntervalMs?: number;
  /** Emit a span per call. Default true. */
  spans?: boolean;
  /** Record the GenAI client metrics and the cost counter. Default true. */
  metrics?: boolean;
  /** Emit one log record per call. Default true. */
  logs?: boolean;
  /** Put error messages on spans and logs. Default: the `captureContent` setting's variable. */
  captureContent?: boolean;
  /** Also emit the pre-1.37 `gen_ai.system` attribute. */
  legacyAttributes?: boolean;
}

/** `true`, `false` or the object form. */
export type OtelSettingValue = boolean | OtelSetting;

/** Whether the setting asks llmeter to start its own OTLP export pipeline. */
export function wantsOwnExport(setting: OtelSettingValue): setting is OtelSetting {
  return typeof setting === "object" && (setting.export ?? setting.endpoint !== undefined);
}

/** Why `endpoint` can't be an OTLP endpoint for `protocol`, or undefined when it can. */
export function endpointProblem(endpoint: string, protocol: OtlpProtocolName): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(endpoint.trim());
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    return `OTLP endpoint ${JSON.stringify(endpoint)} is not an http(s) URL; give the collector's ${
      protocol === "grpc"
        ? "OTLP/gRPC address, e.g. http://localhost:4317 (https:// for TLS)"
        : "OTLP/HTTP base URL, e.g. http://localhost:4318"
    }`;
  }
  if (protocol === "grpc" && url.pathname.replace(/\/+$/, "") !== "") {
    return `OTLP/gRPC endpoint ${JSON.stringify(endpoint)} has a path; gRPC takes only a scheme, host and port, e.g. http://localhost:4317`;
  }
  return undefined;
}

const BOOLEAN_KEYS = ["export", "spans", "metrics", "logs", "captureContent", "legacyAttributes"];
const EXPORT_ONLY_KEYS = ["protocol", "headers", "serviceName", "metricIntervalMs"];
const KNOWN_KEYS = new Set([...BOOLEAN_KEYS, ...EXPORT_ONLY_KEYS, "endpoint"]);

/**
 * Parses the `otel` setting from an option, the config file (JSON) or `LLMETER_OTEL`: `true` /
 * `false` (also `1`, `yes`, `on`...), `export` (llmeter's own export configured by the standard
 * `OTEL_EXPORTER_OTLP_*` variables), or a JSON object. Throws a message saying what is wrong.
 */
export function parseOtelSetting(value: unknown): OtelSettingValue | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return parseOtelText(value.trim());
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `expected true, false or an object such as {"endpoint": "http://localhost:4318"}, got ${JSON.stringify(value)}`,
    );
  }
  return parseOtelObject(value as Record<string, unknown>);
}

function parseOtelText(text: string): OtelSettingValue {
  const lower = text.toLowerCase();
  if (["true", "1", "yes", "on"].includes(lower)) return true;
  if (["false", "0", "no", "off"].includes(lower)) return false;
  if (lower === "export") return { export: true };
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`expected a JSON object, got ${JSON.stringify(text)} (not valid JSON)`);
    }
    return parseOtelSetting(parsed) ?? false;
  }
  throw new Error(
    `expected true, false, export or a JSON object such as {"endpoint":"http://localhost:4318"}, got ${JSON.stringify(text)}`,
  );
}

function parseOtelObject(object: Record<string, unknown>): OtelSetting {
  const setting: OtelSetting = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    if (!KNOWN_KEYS.has(key)) {
      throw new Error(`unknown key "${key}"; known keys: ${[...KNOWN_KEYS].join(", ")}`);
    }
    if (BOOLEAN_KEYS.includes(key)) {
      if (typeof value !== "boolean")
        throw new Error(`"${key}" must be true or false, got ${JSON.stringify(value)}`);
      setting[key as "spans"] = value;
    }
  }
  const { endpoint, protocol, headers, serviceName, metricIntervalMs } = object;
  if (protocol !== undefined) {
    if (!(OTLP_PROTOCOLS as readonly unknown[]).includes(protocol))
      throw new Error(
        `"protocol" must be one of ${OTLP_PROTOCOLS.map((name) => `"${name}"`).join(", ")}, got ${JSON.stringify(protocol)}`,
      );
    setting.protocol = protocol as OtlpProtocolName;
  }
  if (endpoint !== undefined) {
    if (typeof endpoint !== "string")
      throw new Error(`"endpoint" must be a URL string, got ${JSON.stringify(endpoint)}`);
    // Without an explicit protocol the environment's decides how the endpoint is used.
    const problem = endpointProblem(endpoint, setting.protocol ?? environmentProtocol());
    if (problem !== undefined) throw new Error(`"endpoint": ${problem}`);
    setting.endpoint = endpoint.trim().replace(/\/+$/, "");
  }
  if (headers !== undefined) {
    if (
      headers === null ||
      typeof headers !== "object" ||
      Array.isArray(headers) ||
      Object.values(headers).some((header) => typeof header !== "string")
    )
      throw new Error(
        `"headers" must be an object of strings such as {"authorization": "Bearer ..."}, got ${JSON.stringify(headers)}`,
      );
    setting.headers = { ...(headers as Record<string, string>) };
  }
  if (serviceName !== undefined) {
    if (typeof serviceName !== "string" || serviceName.trim() === "")
      throw new Error(
        `"serviceName" must be a non-empty string, got ${JSON.stringify(serviceName)}`,
      );
    setting.serviceName = serviceName.trim();
  }
  if (metricIntervalMs !== undefined) {
    if (
      typeof metricIntervalMs !== "number" ||
      !Number.isInteger(metricIntervalMs) ||
      metricIntervalMs < 100 ||
      metricIntervalMs > 86_400_000
    )
      throw new Error(
        `"metricIntervalMs" must be a whole number of milliseconds from 100 to 86400000, got ${JSON.stringify(metricIntervalMs)}`,
      );
    setting.metricIntervalMs = metricIntervalMs;
  }
  if (!wantsOwnExport(setting)) {
    const exportOnly = [...EXPORT_ONLY_KEYS, "endpoint"].filter((key) => object[key] !== undefined);
    if (exportOnly.length > 0)
      throw new Error(
        `${exportOnly.map((key) => `"${key}"`).join(", ")} only apply to llmeter's own OTLP export; add "endpoint" (or "export": true to use the OTEL_EXPORTER_OTLP_* variables)`,
      );
  }
  return setting;
}

// The protocol the exporters will use when the setting names none.
function environmentProtocol(): OtlpProtocolName {
  const value = process.env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim();
  return (OTLP_PROTOCOLS as readonly string[]).includes(value ?? "")
    ? (value as OtlpProtocolName)
    : "http/protobuf";
}
