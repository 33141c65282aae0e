import { createRequire } from "node:module";
import type { LoggerProvider } from "@opentelemetry/api";
import * as api from "@opentelemetry/api";

/** The part of the OpenTelemetry logs API llmeter uses: where the global logger provider is. */
export interface LogsApi {
  getLoggerProvider(): LoggerProvider;
}

/** Where the logs API lived before `@opentelemetry/api` 1.10 (the OpenTelemetry JS 2.x line). */
export const LEGACY_LOGS_PACKAGE = "@opentelemetry/api-logs";

/**
 * The logs API of the application's OpenTelemetry line. From `@opentelemetry/api` 1.10 (the 3.x
 * line) it is `logs` of the API itself, and the SDKs register their logger provider there; before,
 * it was the separate `@opentelemetry/api-logs`, whose global is a different one. The legacy
 * package is required synchronously (it ships CommonJS and keeps its global on `globalThis`, so
 * every copy sees the same provider), which spares llmeter/otel a top-level await.
 */
export function pickLogsApi(
  apiModule: object = api,
  requireLegacy: () => unknown = () => createRequire(import.meta.url)(LEGACY_LOGS_PACKAGE),
): LogsApi {
  const current = (apiModule as { logs?: LogsApi }).logs;
  if (current !== undefined) return current;
  try {
    return (requireLegacy() as { logs: LogsApi }).logs;
  } catch (error) {
    throw new Error(
      `llmeter: @opentelemetry/api before 1.10 has no logs API, and ${LEGACY_LOGS_PACKAGE} is not installed: upgrade to \`npm install @opentelemetry/api@^1.10.0\` or install it with \`npm install ${LEGACY_LOGS_PACKAGE}\``,
      { cause: error },
    );
  }
}
