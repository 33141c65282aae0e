import type { ConfigWarning } from "../config/environment-warnings.ts";
import { Diagnostics, type DiagnosticsLogger } from "./diagnostics.ts";

// Per logger, for the whole process: an application that creates a meter per request (or per
// test) with the same environment hears about a mistyped variable once, not once per meter.
const reportedByLogger = new WeakMap<DiagnosticsLogger, Set<string>>();

/** Reports each configuration warning once per logger, as a `warn` diagnostic. */
export function reportConfigWarnings(
  warnings: readonly ConfigWarning[],
  logger: DiagnosticsLogger,
): void {
  if (warnings.length === 0) return;
  let reported = reportedByLogger.get(logger);
  if (reported === undefined) {
    reported = new Set();
    reportedByLogger.set(logger, reported);
  }
  const diagnostics = new Diagnostics(logger);
  for (const warning of warnings) {
    if (reported.has(warning.key)) continue;
    reported.add(warning.key);
    diagnostics.report("warn", warning.message);
  }
}
