import { createNoopMeter } from "./noop-meter.ts";
import type { Meter } from "./types.ts";

let globalMeter: Meter | undefined;

/**
 * The process-wide meter: the one set with `setGlobalMeter`, else the no-op meter, so that
 * libraries can record unconditionally and pay nothing until an application opts in.
 */
export function getMeter(): Meter {
  return globalMeter ?? createNoopMeter();
}

/** Makes `meter` the process-wide meter (integrations without a `meter` option use it). */
export function setGlobalMeter(meter: Meter | undefined): void {
  globalMeter = meter;
}
