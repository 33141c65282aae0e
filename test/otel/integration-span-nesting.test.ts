// Spans of the provider integrations start when the call starts, under the caller's active span,
// and the SDK's own work (its HTTP request, here a span made by the `fetch` it calls, as an HTTP
// client instrumentation would make) nests under them, for plain calls and streams alike.
import { context, SpanKind, trace } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import type { Meter } from "../../src/meter/types.ts";
import { createOtelInstrumentation } from "../../src/otel/otel-instrumentation.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createOtelTestKit, installContextManager, type OtelTestKit } from "./otel-test-kit.ts";

let removeContextManager: () => void;
let mock: MockProvider;
let kit: OtelTestKit;
let meter: Meter;

beforeAll(async () => {
  removeContextManager = installContextManager();
  mock = await startMockProvider({ chunks: 5 });
});
afterAll(async () => {
  removeContextManager();
  await mock.close();
});
beforeEach(() => {
  kit = createOtelTestKit();
  meter = createMeter({
    instrumentations: [
      createOtelInstrumentation({
        tracerProvider: kit.tracerProvider,
        meterProvider: kit.meterProvider,
        loggerProvider: kit.loggerProvider,
      }),
    ],
    diagnostics: silentDiagnostics,
  });
});
afterEach(async () => {
  await meter.shutdown();
  await kit.shutdown();
});

/** An OpenAI client whose every HTTP request is a CLIENT span in the context it was made in. */
function tracedClient(): OpenAI {
  const tracer = kit.tracerProvider.getTracer("http-client");
  return new OpenAI({
    baseURL: mock.openaiBaseUrl,
    apiKey: "test",
    maxRetries: 0,
    fetch: async (input, init) => {
      const span = tracer.startSpan("POST", { kind: SpanKind.CLIENT });
      try {
        return await fetch(input, init);
      } finally {
        span.end();
      }
    },
  });
}

function spanNamed(name: string): ReadableSpan {
  const span = kit.spans.getFinishedSpans().find((candidate) => candidate.name === name);
  if (span === undefined)
    throw new Error(
      `no span ${name}: ${kit.spans
        .getFinishedSpans()
        .map((candidate) => candidate.name)
        .join(", ")}`,
    );
  return span;
}

function expectNested(child: ReadableSpan, parent: ReadableSpan): void {
  expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  // The SDK times the spans it starts and ends itself with a clock anchored on Date.now() (whole
  // milliseconds) when their trace started; llmeter gives its spans times from
  // performance.timeOrigin. The two can differ by under a millisecond, at either end (a parent
  // started 0.005 ms "after" its HTTP child was seen in a full-suite run).
  expect(hrTimeToMilliseconds(parent.startTime)).toBeLessThanOrEqual(
    hrTimeToMilliseconds(child.startTime) + 1,
  );
  expect(hrTimeToMilliseconds(parent.endTime)).toBeGreaterThanOrEqual(
    hrTimeToMilliseconds(child.endTime) - 1,
  );
}

describe("instrumentOpenAI with OpenTelemetry", () => {
  it("starts the call's span with the call, under the caller's span, with the HTTP request inside it", async () => {
    const client = instrumentOpenAI(tracedClient(), { meter });
    const request = kit.tracerProvider.getTracer("app").startSpan("GET /answer");
    await context.with(trace.setSpan(context.active(), request), () =>
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    request.end();
    await meter.flush();

    const call = spanNamed("chat gpt-4o-mini");
    expect(call.kind).toBe(SpanKind.CLIENT);
    expectNested(call, spanNamed("GET /answer"));
    expectNested(spanNamed("POST"), call);
    expect(call.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
  });

  it("keeps a stream's span open until the stream ends, with its HTTP request inside", async () => {
    const client = instrumentOpenAI(tracedClient(), { meter });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let chunks = 0;
    for await (const _chunk of stream) chunks += 1;
    await meter.flush();

    expect(chunks).toBeGreaterThan(0);
    const call = spanNamed("chat gpt-4o-mini");
    expectNested(spanNamed("POST"), call);
    expect(call.parentSpanContext).toBeUndefined();
    expect(call.attributes["gen_ai.request.stream"]).toBe(true);
    expect(call.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
  });
});
