import { describe, expect, it } from "vitest";
import { Diagnostics, silentDiagnostics } from "../meter/diagnostics.ts";
import type { MeterInstrumentation } from "../meter/instrumentation.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { createMeterOtel, type MeterOtelLoader } from "./meter-otel.ts";
import type { LoadedMeterOtel } from "./meter-otel-runtime.ts";

function event(model: string): UsageEvent {
  return {
    id: model,
    timestamp: "2026-11-20T10:00:00.000Z",
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model,
    success: true,
  };
}

/** An instrumentation that records what it is asked to finish. */
function recordingInstrumentation(name = "opentelemetry") {
  const finished: Array<{ model: string; captured: unknown }> = [];
  const instrumentation: MeterInstrumentation = {
    name,
    captureContext: () => ({ live: true }),
    finish: (finishedEvent, captured) => finished.push({ model: finishedEvent.model, captured }),
  };
  return { instrumentation, finished };
}

/** A loader the test resolves or rejects when it wants. */
function controlledLoader() {
  let resolve!: (loaded: LoadedMeterOtel) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<LoadedMeterOtel>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  let shutdowns = 0;
  const load: MeterOtelLoader = () => promise;
  return {
    load,
    resolve: (instrumentation: MeterInstrumentation) =>
      resolve({
        instrumentation,
        shutdown: async () => {
          shutdowns += 1;
        },
      }),
    reject,
    shutdowns: () => shutdowns,
  };
}

function quiet(): Diagnostics {
  return new Diagnostics(silentDiagnostics);
}

function finishAll(list: readonly MeterInstrumentation[], finishedEvent: UsageEvent) {
  for (const instrumentation of list) {
    const captured = instrumentation.captureContext({
      model: finishedEvent.model,
      phase: "record",
    });
    if (captured !== undefined) instrumentation.finish(finishedEvent, captured);
  }
}

describe("createMeterOtel", () => {
  it("holds calls finished while loading and finishes them once loaded, then goes direct", async () => {
    const loader = controlledLoader();
    const otel = createMeterOtel(true, quiet(), loader.load);
    const whileLoading = otel.instrumentationsFor([]);
    expect(whileLoading).toHaveLength(1);
    finishAll(whileLoading, event("early-1"));
    finishAll(whileLoading, event("early-2"));

    const real = recordingInstrumentation();
    loader.resolve(real.instrumentation);
    await otel.flush();
    // Held calls carry no captured context: the span takes the event's own times.
    expect(real.finished).toEqual([
      { model: "early-1", captured: undefined },
      { model: "early-2", captured: undefined },
    ]);

    const afterLoading = otel.instrumentationsFor([]);
    expect(afterLoading).toEqual([real.instrumentation]);
    finishAll(afterLoading, event("late"));
    expect(real.finished.at(-1)).toEqual({ model: "late", captured: { live: true } });
    // A call captured while loading but finished after is finished directly.
    finishAll(whileLoading, event("straddling"));
    expect(real.finished.at(-1)).toEqual({ model: "straddling", captured: undefined });

    await otel.shutdown();
    expect(loader.shutdowns()).toBe(1);
    expect(otel.instrumentationsFor([])).toEqual([]);
  });

  it("replaces the process-wide OpenTelemetry instrumentation and keeps the others, caching the list", async () => {
    const loader = controlledLoader();
    const otel = createMeterOtel(true, quiet(), loader.load);
    const processWide = recordingInstrumentation("opentelemetry");
    const other = recordingInstrumentation("audit");
    const base = [processWide.instrumentation, other.instrumentation];
    const real = recordingInstrumentation();
    loader.resolve(real.instrumentation);
    await otel.flush();
    const list = otel.instrumentationsFor(base);
    expect(list).toEqual([other.instrumentation, real.instrumentation]);
    expect(otel.instrumentationsFor(base)).toBe(list);
  });

  it("false only takes the process-wide OpenTelemetry instrumentation away", async () => {
    let loads = 0;
    const otel = createMeterOtel(false, quiet(), async () => {
      loads += 1;
      throw new Error("never");
    });
    const other = recordingInstrumentation("audit");
    expect(
      otel.instrumentationsFor([recordingInstrumentation().instrumentation, other.instrumentation]),
    ).toEqual([other.instrumentation]);
    await otel.flush();
    expect(loads).toBe(0);
  });

  it("reports a failed load once, says what to install, and drops held calls", async () => {
    const loader = controlledLoader();
    const reports: Array<{ level: string; message: string }> = [];
    const diagnostics = new Diagnostics((level, message) => reports.push({ level, message }));
    const otel = createMeterOtel(true, diagnostics, loader.load);
    finishAll(otel.instrumentationsFor([]), event("early"));
    loader.reject(
      Object.assign(
        new Error(
          "Cannot find package '@opentelemetry/api' imported from /app/otel-instrumentation.js",
        ),
        { code: "ERR_MODULE_NOT_FOUND" },
      ),
    );
    await otel.flush();
    expect(reports).toHaveLength(1);
    expect(reports[0]?.level).toBe("error");
    expect(reports[0]?.message).toContain("npm install @opentelemetry/api");
    expect(reports[0]?.message).toContain("1 call(s) recorded meanwhile have none");
    expect(otel.instrumentationsFor([])).toEqual([]);
    await otel.shutdown();
  });

  it("passes on the export pipeline's own message about a missing exporter", async () => {
    const reports: string[] = [];
    const otel = createMeterOtel(
      { endpoint: "http://127.0.0.1:4317", protocol: "grpc" },
      new Diagnostics((_level, message) => reports.push(message)),
      async () => {
        throw new Error(
          "llmeter: this needs the optional package @opentelemetry/exporter-trace-otlp-grpc; install it with `npm install @opentelemetry/exporter-trace-otlp-grpc`",
        );
      },
    );
    await otel.flush();
    expect(reports).toEqual([
      expect.stringContaining(
        "llmeter's OTLP export could not start: this needs the optional package @opentelemetry/exporter-trace-otlp-grpc",
      ),
    ]);
  });
});
