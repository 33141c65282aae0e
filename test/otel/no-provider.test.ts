// With no OpenTelemetry provider registered, llmeter/otel does nothing (and costs nothing); a
// provider registered later is picked up without re-importing anything.
import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import { activeOtelInstrumentation } from "../../src/otel/index.ts";

afterAll(() => trace.disable());

describe("llmeter/otel without a provider", () => {
  it("captures nothing while no provider is registered, then follows the one registered later", async () => {
    const instrumentation = activeOtelInstrumentation();
    expect(
      instrumentation?.captureContext({ provider: "openai", model: "m", phase: "start" }),
    ).toBeUndefined();
    const meter = createMeter({ store: false, diagnostics: silentDiagnostics });
    expect(meter.track({ provider: "openai", model: "before" }, () => "answer")).toBe("answer");
    await meter.flush();

    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
    );
    meter.track({ provider: "openai", model: "after" }, () => "answer");
    await meter.flush();
    expect(spans.getFinishedSpans().map((span) => span.name)).toEqual(["chat after"]);
    await meter.shutdown();
  });
});
