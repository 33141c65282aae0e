// The meter's `otel` option, on the core's side. This module imports no OpenTelemetry package
// (test/core/core-imports.test.ts guards that): it loads ./meter-otel-runtime.ts with a dynamic
// import, only when the option is on, and bridges the few milliseconds that takes.
import type { OtelSetting, OtelSettingValue } from "../config/otel-setting.ts";
import type { Diagnostics, DiagnosticsLogger } from "../meter/diagnostics.ts";
import type { CallStart, MeterInstrumentation } from "../meter/instrumentation.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import type { LoadedMeterOtel } from "./meter-otel-runtime.ts";

/** The name of llmeter's OpenTelemetry instrumentation (`createOtelInstrumentation`). */
const OTEL_INSTRUMENTATION_NAME = "opentelemetry";

/** Calls held while OpenTelemetry loads; beyond this, calls lose their telemetry (reported). */
const MAX_HELD_CALLS = 10_000;

/** What a call captured while OpenTelemetry was still loading. */
const HELD: object = Object.freeze({ held: true });

/** Loads the OpenTelemetry side; rejects when a package is missing. */
export type MeterOtelLoader = (
  setting: true | OtelSetting,
  diagnostics: DiagnosticsLogger,
) => Promise<LoadedMeterOtel>;

/** The meter's diagnostics: each problem reported once, never throws. */
export type MeterOtelReporter = Pick<Diagnostics, "once">;

/** A meter's OpenTelemetry output, as its `otel` option asks. */
export interface MeterOtel {
  /**
   * The instrumentations a call goes through: `base` (the meter's own list or the process-wide
   * one) without llmeter's process-wide OpenTelemetry instrumentation, which the option replaces
   * for this meter (no double spans), plus this meter's own.
   */
  instrumentationsFor(base: readonly MeterInstrumentation[]): readonly MeterInstrumentation[];
  /**
   * Waits until OpenTelemetry is loaded (or failed to) and held calls are finished. Does not wait
   * for the network: llmeter's own export sends in batches, and at `shutdown()`.
   */
  flush(): Promise<void>;
  /** Stops the meter's OpenTelemetry output and llmeter's own export. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Starts loading OpenTelemetry for a meter. `false` only takes the process-wide instrumentation
 * away from this meter. While the module loads, calls are held (their finish waits, in memory)
 * and get their spans, metrics and log records as soon as it is ready; their spans then start at
 * the event's own time but have no parent, since the caller's OpenTelemetry context could not be
 * read before the API was loaded. If loading fails, one diagnostic says what to install and the
 * meter goes on without OpenTelemetry.
 */
export function createMeterOtel(
  setting: OtelSettingValue,
  report: MeterOtelReporter,
  load: MeterOtelLoader = loadRuntime,
): MeterOtel {
  return new MeterOtelBridge(setting, report, load);
}

class MeterOtelBridge implements MeterOtel {
  private state: "loading" | "ready" | "failed" | "off";
  private loaded: LoadedMeterOtel | undefined;
  private readonly loading: Promise<void>;
  private readonly pending: PendingOtelInstrumentation;
  private readonly report: MeterOtelReporter;
  private version = 0;
  private cachedBase: readonly MeterInstrumentation[] | undefined;
  private cachedVersion = -1;
  private cachedList: readonly MeterInstrumentation[] = [];

  constructor(setting: OtelSettingValue, report: MeterOtelReporter, load: MeterOtelLoader) {
    this.report = report;
    this.pending = new PendingOtelInstrumentation(this);
    if (setting === false) {
      this.state = "off";
      this.loading = Promise.resolve();
      return;
    }
    this.state = "loading";
    let loadingCall: Promise<LoadedMeterOtel>;
    try {
      // Export trouble (a collector refusing at shutdown) goes to the meter's diagnostics.
      loadingCall = load(setting, (level, message, detail) =>
        report.once(`otel-export:${message}`, level, message, detail),
      );
    } catch (error) {
      loadingCall = Promise.reject(error);
    }
    this.loading = loadingCall.then(
      (loaded) => this.ready(loaded),
      (error: unknown) => this.fail(error),
    );
  }

  instrumentationsFor(base: readonly MeterInstrumentation[]): readonly MeterInstrumentation[] {
    // The hot path: the same list as long as neither `base` nor the loading state changed.
    if (base === this.cachedBase && this.version === this.cachedVersion) return this.cachedList;
    const own =
      this.state === "loading"
        ? [this.pending]
        : this.state === "ready" && this.loaded !== undefined
          ? [this.loaded.instrumentation]
          : [];
    this.cachedList = [
      ...base.filter((instrumentation) => instrumentation.name !== OTEL_INSTRUMENTATION_NAME),
      ...own,
    ];
    this.cachedBase = base;
    this.cachedVersion = this.version;
    return this.cachedList;
  }

  /** Finishes a call captured while loading: now if loaded, else once loaded. */
  finishHeld(event: UsageEvent): void {
    if (this.loaded !== undefined) {
      this.finishWithLoaded(event);
      return;
    }
    if (this.state !== "loading") return;
    if (this.pending.held.length >= MAX_HELD_CALLS) {
      this.report.once(
        "otel-held-overflow",
        "warn",
        `OpenTelemetry is still loading and ${MAX_HELD_CALLS} calls are waiting for it; further calls get no spans, metrics or logs until it is ready`,
      );
      return;
    }
    this.pending.held.push(event);
  }

  flush(): Promise<void> {
    return this.loading;
  }

  async shutdown(): Promise<void> {
    await this.loading;
    const loaded = this.loaded;
    this.loaded = undefined;
    this.state = "off";
    this.version += 1;
    await loaded?.shutdown().catch(() => {});
  }

  private ready(loaded: LoadedMeterOtel): void {
    this.loaded = loaded;
    this.state = "ready";
    this.version += 1;
    const held = this.pending.held.splice(0);
    for (const event of held) this.finishWithLoaded(event);
  }

  private fail(error: unknown): void {
    const held = this.pending.held.splice(0).length;
    this.state = "failed";
    this.version += 1;
    this.report.once(
      "otel-load",
      "error",
      `${loadFailureMessage(error)} The meter goes on recording without OpenTelemetry output${held > 0 ? ` (${held} call(s) recorded meanwhile have none)` : ""}.`,
      error,
    );
  }

  private finishWithLoaded(event: UsageEvent): void {
    try {
      // Nothing was captured on the caller's stack: the span takes the event's own times.
      this.loaded?.instrumentation.finish(event, undefined);
    } catch (error) {
      this.report.once(
        "otel-finish-held",
        "warn",
        "OpenTelemetry failed to export a call recorded while it was loading (reported once)",
        error,
      );
    }
  }
}

/** Stands in for the OpenTelemetry instrumentation until it is loaded. */
class PendingOtelInstrumentation implements MeterInstrumentation {
  readonly name = "opentelemetry (loading)";
  readonly held: UsageEvent[] = [];
  private readonly bridge: MeterOtelBridge;

  constructor(bridge: MeterOtelBridge) {
    this.bridge = bridge;
  }

  captureContext(_call: CallStart): unknown {
    return HELD;
  }

  finish(event: UsageEvent, _captured: unknown): void {
    this.bridge.finishHeld(event);
  }
}

// A computed specifier: tsc must not resolve the OpenTelemetry side into the core's graph, and the
// built package loads the compiled .js file.
async function loadRuntime(
  setting: true | OtelSetting,
  diagnostics: DiagnosticsLogger,
): Promise<LoadedMeterOtel> {
  const specifier = import.meta.url.endsWith(".ts")
    ? "./meter-otel-runtime.ts"
    : "./meter-otel-runtime.js";
  const module = (await import(new URL(specifier, import.meta.url).href)) as {
    loadMeterOtel: MeterOtelLoader;
  };
  return module.loadMeterOtel(setting, diagnostics);
}

/** What to tell the user when OpenTelemetry could not be loaded. */
function loadFailureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // startOtelExport's own message already names the missing package and the install command.
  if (message.startsWith("llmeter: "))
    return `The "otel" setting is on, but llmeter's OTLP export could not start: ${message.slice("llmeter: ".length)}.`;
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  if (missing !== undefined && !missing.startsWith(".") && !missing.startsWith("/")) {
    return `The "otel" setting is on, but the package ${missing} is not installed: install it with \`npm install ${missing}\` (llmeter's OpenTelemetry output needs @opentelemetry/api, and @opentelemetry/api-logs with an @opentelemetry/api before 1.10).`;
  }
  return `The "otel" setting is on, but OpenTelemetry could not be loaded: ${message}.`;
}
