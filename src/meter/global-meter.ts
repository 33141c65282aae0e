import { createNoopMeter } from "./noop-meter.ts";
import type { Meter } from "./types.ts";

/**
 * The global meter lives on `globalThis` under a versioned key, not in this module: `node --import
 * llmeter/auto` may load a second copy of llmeter beside the application's (the built package and
 * a bundled one, two versions in node_modules), and each copy must see the same meter.
 */
const GLOBAL_METER_KEY = Symbol.for("llmeter.global-meter.v1");

interface GlobalMeterHolder {
  [GLOBAL_METER_KEY]?: Meter;
}

/**
 * The process-wide meter: the one set with `setGlobalMeter`, else the no-op meter, so that
 * libraries can record unconditionally and pay nothing until an application opts in.
 */
export function getMeter(): Meter {
  return (globalThis as GlobalMeterHolder)[GLOBAL_METER_KEY] ?? createNoopMeter();
}

/** Makes `meter` the process-wide meter (integrations without a `meter` option use it). */
export function setGlobalMeter(meter: Meter | undefined): void {
  (globalThis as GlobalMeterHolder)[GLOBAL_METER_KEY] = meter;
}
