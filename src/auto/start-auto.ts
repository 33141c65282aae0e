import type { LlmeterConfig } from "../config/settings.ts";
import { createMeter } from "../meter/create-meter.ts";
import { setGlobalMeter } from "../meter/global-meter.ts";
import { autoState } from "./auto-state.ts";
import { installModuleHooks } from "./install-module-hooks.ts";
import { attributeRequestsFromHeaders } from "./request-header-attribution.ts";

/**
 * Everything llmeter/auto does once the settings say it is on: the meter from the settings (ledger,
 * OpenTelemetry, budgets) as the global meter, the SDK hooks, and the request-header attribution.
 * The ledger flushes itself on exit (see meter/ledger/exit-flush.ts).
 */
export function startAuto(settings: LlmeterConfig): void {
  const state = autoState();
  if (state.started) return;
  state.started = true;
  const meter = createMeter(
    settings.session === undefined ? {} : { attributes: { sessionId: settings.session } },
  );
  setGlobalMeter(meter);
  installModuleHooks();
  attributeRequestsFromHeaders(settings.attributionHeaders);
}
