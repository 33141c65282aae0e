import type { UsageEvent } from "../usage/usage-event.ts";

/** What is known about a call when it starts (`track`, `start`) or is recorded (`record*`). */
export interface CallStart {
  provider?: string;
  model?: string;
  operation?: string;
  kind?: UsageEvent["kind"];
  /** Where the call goes, when known at its start (samplers may decide on it). */
  serverAddress?: string;
  serverPort?: number;
  /** `start`: the call is starting now; `record`: it is already over (times come from the event). */
  phase: "start" | "record";
}

/**
 * A process-wide observer of every call of every meter. OpenTelemetry uses it: a span must be a
 * child of the caller's active context and start when the call starts, which only the caller's
 * stack can see, while the finished event is only known later, off that stack.
 *
 * The core knows nothing of OpenTelemetry: it calls `captureContext` on the caller's stack and
 * hands what it returned, with the enriched event, to `finish` off the caller's stack.
 */
export interface MeterInstrumentation {
  /** Used in diagnostics. */
  readonly name: string;
  /**
   * On the caller's stack when a call starts or is recorded. Keep it cheap; it must not throw.
   * Returning `undefined` means "nothing to do for this call": `finish` is then not called for it,
   * which keeps an idle instrumentation (OpenTelemetry with no provider) free.
   */
  captureContext(call: CallStart): unknown;
  /**
   * Optional: runs a `track()` callback inside what `captureContext` returned, so work done during
   * the call (the SDK's own HTTP spans) nests under it.
   */
  runInContext?<T>(captured: unknown, fn: () => T): T;
  /** Off the caller's stack, once per call, after attribution and pricing. */
  finish(event: UsageEvent, captured: unknown): void;
}

/** One instrumentation and what it captured for one call. */
export interface CapturedCall {
  instrumentation: MeterInstrumentation;
  captured: unknown;
}

let registered: readonly MeterInstrumentation[] = [];

/**
 * Adds `instrumentation` to every meter that was not given its own list (`createMeter({
 * instrumentations })`). Returns a function that removes it again. Registering the same object
 * twice does nothing.
 */
export function registerInstrumentation(instrumentation: MeterInstrumentation): () => void {
  if (!registered.includes(instrumentation)) registered = [...registered, instrumentation];
  return () => {
    registered = registered.filter((entry) => entry !== instrumentation);
  };
}

/** The instrumentations registered process-wide, in registration order. */
export function registeredInstrumentations(): readonly MeterInstrumentation[] {
  return registered;
}

/**
 * Calls each `captureContext`, isolating failures: a broken instrumentation is skipped. Returns
 * `undefined` when no instrumentation has anything to do for this call.
 */
export function captureCalls(
  instrumentations: readonly MeterInstrumentation[],
  call: CallStart,
  onError: (instrumentation: MeterInstrumentation, error: unknown) => void,
): CapturedCall[] | undefined {
  let calls: CapturedCall[] | undefined;
  for (const instrumentation of instrumentations) {
    try {
      const captured = instrumentation.captureContext(call);
      if (captured === undefined) continue;
      calls ??= [];
      calls.push({ instrumentation, captured });
    } catch (error) {
      onError(instrumentation, error);
    }
  }
  return calls;
}

/** Runs `fn` inside every captured context that asks for it (innermost last). */
export function runInCapturedContexts<T>(calls: readonly CapturedCall[], fn: () => T): T {
  let run: () => T = fn;
  for (const { instrumentation, captured } of calls) {
    const runInContext = instrumentation.runInContext?.bind(instrumentation);
    if (runInContext === undefined) continue;
    const inner = run;
    run = () => runInContext<T>(captured, inner);
  }
  return run();
}
