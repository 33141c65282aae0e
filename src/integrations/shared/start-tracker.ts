import { type AttributionInput, currentAttribution } from "../../meter/attribution.ts";
import type { Meter, TrackerHandle, TrackInfo } from "../../meter/types.ts";

/**
 * Starts measuring a call with the attribution of the code that made it.
 *
 * The attribution is taken here because the meter reads the context when the event is recorded,
 * which for an SDK call is when the result is read or the stream ends, often outside
 * `withAttribution` (`await withAttribution(ctx, () => client.create())` awaits outside it).
 *
 * Throws what `meter.start` throws: an enforced budget refuses a call that way
 * (`BudgetExceededError`), and the integrations hand that refusal to the caller.
 */
export function startTracker(meter: Meter, info: TrackInfo): TrackerHandle {
  const tracker = meter.start(info);
  const attribution = currentAttribution();
  if (attribution !== undefined) tracker.setAttributes(attribution as AttributionInput);
  return tracker;
}

/**
 * Calls the SDK method inside the call's telemetry context, so its span (OpenTelemetry) starts
 * when the call starts and what the SDK does meanwhile (its HTTP request's span) nests under it.
 */
export function runInCallContext<T>(tracker: TrackerHandle, call: () => T): T {
  return tracker.run === undefined ? call() : tracker.run(call);
}

/** Records a failed call; never throws, so the caller always gets the SDK's own error. */
export function endWithError(tracker: TrackerHandle, error: unknown): void {
  try {
    tracker.setError(error);
    tracker.end();
  } catch {
    // Telemetry never replaces the application's error with its own.
  }
}

/** Ends a call whose measuring failed half-way; never throws. */
export function endQuietly(tracker: TrackerHandle): void {
  try {
    tracker.end();
  } catch {
    // Nothing more to record.
  }
}
