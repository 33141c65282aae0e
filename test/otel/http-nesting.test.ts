// The ModelForge story: OpenTelemetry is configured as usual (global tracer provider, the HTTP
// instrumentation), `llmeter/otel` is imported once, and each LLM call made while serving a
// request shows up as a CLIENT span inside that request's SERVER span.
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { context, logs, metrics, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import { registeredInstrumentations } from "../../src/meter/instrumentation.ts";
import { activeOtelInstrumentation, disableOtel, enableOtel } from "../../src/otel/index.ts";

const spans = new InMemorySpanExporter();
const logRecords = new InMemoryLogRecordExporter();
const tracerProvider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
});
const loggerProvider = new LoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter: logRecords })],
});
let unpatch: () => void;

beforeAll(() => {
  // What the 2.x NodeTracerProvider.register() did; the 3.x line leaves it to the application
  // (or to @opentelemetry/sdk-node).
  trace.setGlobalTracerProvider(tracerProvider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  logs.setGlobalLoggerProvider(loggerProvider);
  unpatch = registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
});
afterAll(async () => {
  unpatch();
  await tracerProvider.shutdown();
  await loggerProvider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
  logs.disable();
  metrics.disable();
});

describe("import llmeter/otel", () => {
  it("registers itself for every meter on import", () => {
    const active = activeOtelInstrumentation();
    expect(active).toBeDefined();
    expect(registeredInstrumentations()).toContain(active);
  });

  it("nests the GenAI span under the incoming HTTP request's server span", async () => {
    // Loaded after the instrumentation so that it is patched, as in any instrumented app.
    const http = createRequire(import.meta.url)("node:http") as typeof import("node:http");
    const meter = createMeter({ diagnostics: silentDiagnostics });
    const server = http.createServer((_request, response) => {
      void meter
        .track({ provider: "openai", model: "gpt-4o-mini", operation: "chat" }, async (tracker) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          tracker.setTokens({ inputTokens: 12, outputTokens: 4 });
          return "ok";
        })
        .then((body) => response.end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(`http://127.0.0.1:${port}/chat`, (response) => {
            let text = "";
            response.on("data", (chunk) => {
              text += chunk;
            });
            response.on("end", () => resolve(text));
          })
          .on("error", reject);
      });
      expect(body).toBe("ok");
      await meter.flush();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    const finished = spans.getFinishedSpans();
    const serverSpan = finished.find((span) => span.kind === SpanKind.SERVER);
    const llmSpan = finished.find((span) => span.name === "chat gpt-4o-mini");
    expect(
      serverSpan,
      finished.map((span) => `${span.name}/${span.kind}`).join(", "),
    ).toBeDefined();
    expect(llmSpan?.kind).toBe(SpanKind.CLIENT);
    expect(llmSpan?.spanContext().traceId).toBe(serverSpan?.spanContext().traceId);
    expect(llmSpan?.parentSpanContext?.spanId).toBe(serverSpan?.spanContext().spanId);
    expect(llmSpan?.attributes["gen_ai.usage.input_tokens"]).toBe(12);

    const [record] = logRecords.getFinishedLogRecords();
    expect(record?.spanContext?.spanId).toBe(llmSpan?.spanContext().spanId);
    await meter.shutdown();
  });

  it("stops when disabled, and a meter can opt out with instrumentations: []", async () => {
    spans.reset();
    disableOtel();
    const meter = createMeter({ diagnostics: silentDiagnostics });
    meter.record({ provider: "openai", model: "off" });
    await meter.flush();
    expect(spans.getFinishedSpans()).toHaveLength(0);

    enableOtel();
    const optedOut = createMeter({ instrumentations: [], diagnostics: silentDiagnostics });
    optedOut.record({ provider: "openai", model: "opted-out" });
    meter.record({ provider: "openai", model: "on" });
    await Promise.all([meter.flush(), optedOut.flush()]);
    expect(spans.getFinishedSpans().map((span) => span.name)).toEqual(["chat on"]);
  });
});
