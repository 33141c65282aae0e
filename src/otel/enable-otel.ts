import { type MeterInstrumentation, registerInstrumentation } from "../meter/instrumentation.ts";
import { createOtelInstrumentation, type OtelOptions } from "./otel-instrumentation.ts";

let unregister: (() => void) | undefined;
let active: MeterInstrumentation | undefined;

/**
 * Turns OpenTelemetry output on for every meter that has no `instrumentations` of its own, or
 * replaces the options in force. `import "llmeter/otel"` calls it once with no options.
 *
 * @example
 * enableOtel({ logs: false });
 */
export function enableOtel(options: OtelOptions = {}): MeterInstrumentation {
  unregister?.();
  active = createOtelInstrumentation(options);
  unregister = registerInstrumentation(active);
  return active;
}

/** Turns the process-wide OpenTelemetry output off again. */
export function disableOtel(): void {
  unregister?.();
  unregister = undefined;
  active = undefined;
}

/** The instrumentation `enableOtel` registered, if any. */
export function activeOtelInstrumentation(): MeterInstrumentation | undefined {
  return active;
}
