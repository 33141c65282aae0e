/**
 * The diagnostics logger: how llmeter reports its own trouble (a failing sink, a bad value, an
 * unknown model) without ever throwing into the application. Each distinct problem is reported
 * once per key, so a sink that fails on every call does not flood the log.
 */

import { inspect } from "node:util";
import { escapeControlCharacters } from "../usage/control-characters.ts";
import { redactSecrets } from "../usage/redact-secrets.ts";

export type DiagnosticLevel = "debug" | "info" | "warn" | "error";

export type DiagnosticsLogger = (level: DiagnosticLevel, message: string, detail?: unknown) => void;

/**
 * Writes to stderr with an `[llmeter]` prefix; debug messages only when `LLMETER_DEBUG` is set.
 * A message or detail can quote what an application or provider sent (a model name, an
 * exporter's error with its URL): secrets are redacted and control characters shown escaped.
 */
export const consoleDiagnostics: DiagnosticsLogger = (level, message, detail) => {
  if (level === "debug" && !process.env.LLMETER_DEBUG) return;
  let line = `[llmeter] ${level}: ${message}`;
  if (detail !== undefined) line += ` ${typeof detail === "string" ? detail : inspect(detail)}`;
  console.error(escapeControlCharacters(redactSecrets(line)));
};

/** Drops everything. */
export const silentDiagnostics: DiagnosticsLogger = () => {};

/** Wraps a logger so that each `key` is reported only once, and the logger itself can't throw. */
export class Diagnostics {
  private readonly reportedKeys = new Set<string>();
  private readonly logger: DiagnosticsLogger;

  constructor(logger: DiagnosticsLogger) {
    this.logger = logger;
  }

  /** Reports `message` unless `key` was reported before. */
  once(key: string, level: DiagnosticLevel, message: string, detail?: unknown): void {
    if (this.reportedKeys.has(key)) return;
    // Bounded so that a stream of distinct keys (say, unknown model names) cannot grow memory.
    if (this.reportedKeys.size >= 10_000) this.reportedKeys.clear();
    this.reportedKeys.add(key);
    this.report(level, message, detail);
  }

  report(level: DiagnosticLevel, message: string, detail?: unknown): void {
    try {
      this.logger(level, message, detail);
    } catch {
      // A broken logger must not become the application's problem.
    }
  }
}
