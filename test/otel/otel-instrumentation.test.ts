import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import type { HistogramMetricData, SumMetricData } from "@opentelemetry/sdk-metrics";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withAttribution } from "../../src/meter/attribution.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import type { Meter } from "../../src/meter/types.ts";
import {
  createOtelInstrumentation,
  type OtelOptions,
} from "../../src/otel/otel-instrumentation.ts";
import { DURATION_BUCKETS, TOKEN_USAGE_BUCKETS } from "../../src/otel/semconv.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { createOtelTestKit, installContextManager, type OtelTestKit } from "./otel-test-kit.ts";

let removeContextManager: () => void;
beforeAll(() => {
  removeContextManager = installContextManager();
});
afterAll(() => removeContextManager());

let kit: OtelTestKit;
let meter: Meter;
/** Every event the meters handed to their sinks, to compare with what OpenTelemetry got. */
let recorded: UsageEvent[];

function meterWith(options: OtelOptions = {}): Meter {
  return createMeter({
    instrumentations: [
      createOtelInstrumentation({
        tracerProvider: kit.tracerProvider,
        meterProvider: kit.meterProvider,
        loggerProvider: kit.loggerProvider,
        ...options,
      }),
    ],
    pricing: {
      priceEvent: (event) => ({
        costUsd: (event.inputTokens ?? 0) * 1e-6 + (event.outputTokens ?? 0) * 4e-6,
        breakdown: {},
        source: "catalog",
        entryId: "openai/gpt-4o",
        catalogVersion: "2026-11-01",
      }),
    },
    sinks: [(event) => recorded.push(event)],
    diagnostics: silentDiagnostics,
  });
}

beforeEach(() => {
  recorded = [];
  kit = createOtelTestKit();
  meter = meterWith();
});
afterEach(async () => {
  await meter.shutdown();
  await kit.shutdown();
});

const app = () => kit.tracerProvider.getTracer("app");

describe("spans", () => {
  it("makes a CLIENT span named after operation and model, nested in the active span, with every GenAI attribute", async () => {
    const parent = app().startSpan("GET /chat", { kind: SpanKind.SERVER });
    let child: ReturnType<ReturnType<typeof app>["startSpan"]> | undefined;
    await context.with(trace.setSpan(context.active(), parent), () =>
      withAttribution(
        {
          tenantId: "acme",
          userId: "u-1",
          sessionId: "s-1",
          conversationId: "conv-9",
          feature: "search",
        },
        () =>
          meter.track(
            { provider: "openai", model: "gpt-4o", operation: "chat" },
            async (tracker) => {
              // Work done during the call (the SDK's own HTTP span) nests under the GenAI span.
              child = app().startSpan("POST /v1/chat/completions");
              child.end();
              tracker.chunk();
              await new Promise((resolve) => setTimeout(resolve, 20));
              tracker.chunk();
              tracker.chunk();
              tracker.setTokens({
                inputTokens: 1200,
                outputTokens: 300,
                cacheReadTokens: 1000,
                cacheWrite5mTokens: 50,
                cacheWrite1hTokens: 25,
                reasoningTokens: 120,
              });
              tracker.setResponse({ responseModel: "gpt-4o-2024-08-06", requestId: "chatcmpl-42" });
            },
          ),
      ),
    );
    parent.end();
    await meter.flush();

    const spans = kit.spans.getFinishedSpans();
    const span = spans.find((candidate) => candidate.name === "chat gpt-4o");
    expect(span, `spans: ${spans.map((candidate) => candidate.name).join(", ")}`).toBeDefined();
    if (span === undefined) return;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.instrumentationScope.name).toBe("llmeter");
    expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    const childSpan = spans.find((candidate) => candidate.name === "POST /v1/chat/completions");
    expect(childSpan?.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);

    expect(recorded).toHaveLength(1);
    const event = recorded[0];
    const attributes = span.attributes;
    expect(attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.response.model": "gpt-4o-2024-08-06",
      "gen_ai.response.id": "chatcmpl-42",
      "gen_ai.usage.input_tokens": 1200,
      "gen_ai.usage.output_tokens": 300,
      "gen_ai.usage.cache_read.input_tokens": 1000,
      "gen_ai.usage.cache_write.input_tokens": 75,
      "gen_ai.usage.reasoning.output_tokens": 120,
      "gen_ai.request.stream": true,
      "gen_ai.conversation.id": "conv-9",
      "gen_ai.usage.cost.currency": "USD",
      "gen_ai.usage.cost.source": "catalog",
      "llmeter.tenant.id": "acme",
      "llmeter.user.id": "u-1",
      "llmeter.session.id": "s-1",
      "llmeter.attributes.feature": "search",
      "llmeter.price.entry_id": "openai/gpt-4o",
      "llmeter.price.catalog_version": "2026-11-01",
      "llmeter.chunks": 3,
    });
    expect(attributes["gen_ai.usage.cost.amount"]).toBeCloseTo(1200e-6 + 300 * 4e-6, 12);
    expect(attributes["gen_ai.system"]).toBeUndefined();
    expect(attributes["gen_ai.usage.cache_creation.input_tokens"]).toBeUndefined();
    expect(attributes["error.type"]).toBeUndefined();
    // Time to first chunk is in seconds; the span lasts exactly the call's measured latency.
    expect(event?.timeToFirstTokenMs).toBeDefined();
    expect(attributes["gen_ai.response.time_to_first_chunk"]).toBeCloseTo(
      (event?.timeToFirstTokenMs ?? 0) / 1000,
      9,
    );
    const durationMs = hrTimeToMilliseconds(span.endTime) - hrTimeToMilliseconds(span.startTime);
    expect(durationMs).toBeCloseTo(event?.latencyMs ?? -1, 2);
    // The span started when the call started: before the child made during the call. The child's
    // start comes from the OTel SDK's clock, which reads `Date.now()` (whole milliseconds), ours
    // from `performance` (fractions): compared at the child clock's resolution.
    expect(Math.floor(hrTimeToMilliseconds(span.startTime))).toBeLessThanOrEqual(
      hrTimeToMilliseconds(childSpan?.startTime ?? [0, 0]),
    );
  });

  it("marks failures with error status and error.type, and keeps the message out unless asked", async () => {
    class RateLimitError extends Error {}
    await expect(
      meter.track({ provider: "anthropic", model: "claude-sonnet-4" }, async () => {
        throw new RateLimitError("429 for key sk-secret in prompt 'hello'");
      }),
    ).rejects.toThrow(RateLimitError);
    await meter.flush();
    const [span] = kit.spans.getFinishedSpans();
    expect(span?.name).toBe("chat claude-sonnet-4");
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "RateLimitError" });
    expect(span?.attributes["error.type"]).toBe("RateLimitError");
    expect(JSON.stringify(span?.attributes)).not.toContain("sk-secret");
    const [log] = kit.logs.getFinishedLogRecords();
    expect(JSON.stringify(log?.attributes)).not.toContain("sk-secret");
    expect(String(log?.body)).not.toContain("sk-secret");

    const capturing = meterWith({ captureContent: true });
    capturing.record({
      provider: "openai",
      model: "gpt",
      success: false,
      errorType: "APIError",
      errorMessage: "boom",
    });
    await capturing.flush();
    const failed = kit.spans.getFinishedSpans().at(-1);
    expect(failed?.attributes["llmeter.error.message"]).toBe("boom");
    await capturing.shutdown();
  });

  it("gives recorded (after-the-fact) calls a span with the event's own times in the context active at record time", async () => {
    const parent = app().startSpan("job");
    const timestamp = "2026-11-20T10:00:00.000Z";
    context.with(trace.setSpan(context.active(), parent), () =>
      meter.recordEmbedding({
        provider: "google",
        model: "text-embedding-004",
        operation: "embeddings",
        timestamp,
        latencyMs: 250,
        inputTokens: 64,
      }),
    );
    parent.end();
    await meter.flush();
    const span = kit.spans
      .getFinishedSpans()
      .find((candidate) => candidate.name.startsWith("embeddings"));
    expect(span?.name).toBe("embeddings text-embedding-004");
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(hrTimeToMilliseconds(span?.startTime ?? [0, 0])).toBe(Date.parse(timestamp));
    expect(hrTimeToMilliseconds(span?.endTime ?? [0, 0])).toBe(Date.parse(timestamp) + 250);
    expect(span?.attributes["gen_ai.provider.name"]).toBe("gcp.gemini");
  });

  it("also emits gen_ai.system and the cache_creation name when asked for the older names", async () => {
    const legacy = meterWith({ legacyAttributes: true });
    legacy.record({
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      inputTokens: 10,
      cacheWrite5mTokens: 30,
      cacheWrite1hTokens: 12,
    });
    await legacy.flush();
    const attributes = kit.spans.getFinishedSpans()[0]?.attributes;
    expect(attributes?.["gen_ai.system"]).toBe("anthropic");
    expect(attributes?.["gen_ai.usage.cache_write.input_tokens"]).toBe(42);
    expect(attributes?.["gen_ai.usage.cache_creation.input_tokens"]).toBe(42);
    await legacy.shutdown();
  });
});

describe("metrics", () => {
  it("records the GenAI client metrics with the recommended units and buckets, and the cost counter", async () => {
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 100,
      outputTokens: 10,
      latencyMs: 500,
    });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 5000,
      outputTokens: 20,
      latencyMs: 1500,
    });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 10,
      outputTokens: 40,
      latencyMs: 2000,
      streaming: true,
      timeToFirstTokenMs: 300,
      chunks: 18,
    });
    meter.record({
      provider: "openai",
      model: "gpt-4o",
      latencyMs: 100,
      success: false,
      errorType: "APIConnectionError",
    });
    await meter.flush();
    const metrics = await kit.collectMetrics();
    const byName = new Map(metrics.map((metric) => [metric.descriptor.name, metric]));

    const tokens = byName.get("gen_ai.client.token.usage") as HistogramMetricData;
    expect(tokens.descriptor.unit).toBe("{token}");
    const input = tokens.dataPoints.find(
      (point) => point.attributes["gen_ai.token.type"] === "input",
    );
    const output = tokens.dataPoints.find(
      (point) => point.attributes["gen_ai.token.type"] === "output",
    );
    expect(input?.value.sum).toBe(5110);
    expect(input?.value.count).toBe(3);
    expect(output?.value.sum).toBe(70);
    expect(input?.value.buckets.boundaries).toEqual(TOKEN_USAGE_BUCKETS);
    expect(input?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o",
    });
    // Never high-cardinality attributes on metrics.
    expect(Object.keys(input?.attributes ?? {}).some((key) => key.startsWith("llmeter."))).toBe(
      false,
    );

    const duration = byName.get("gen_ai.client.operation.duration") as HistogramMetricData;
    expect(duration.descriptor.unit).toBe("s");
    const ok = duration.dataPoints.find((point) => point.attributes["error.type"] === undefined);
    const failed = duration.dataPoints.find(
      (point) => point.attributes["error.type"] === "APIConnectionError",
    );
    expect(ok?.value.count).toBe(3);
    expect(ok?.value.sum).toBeCloseTo(4, 9);
    expect(ok?.value.buckets.boundaries).toEqual(DURATION_BUCKETS);
    expect(failed?.value.count).toBe(1);

    const ttfc = byName.get("gen_ai.client.operation.time_to_first_chunk") as HistogramMetricData;
    expect(ttfc.descriptor.unit).toBe("s");
    expect(ttfc.dataPoints[0]?.value.count).toBe(1);
    expect(ttfc.dataPoints[0]?.value.sum).toBeCloseTo(0.3, 9);
    const perChunk = byName.get(
      "gen_ai.client.operation.time_per_output_chunk",
    ) as HistogramMetricData;
    expect(perChunk.dataPoints[0]?.value.sum).toBeCloseTo((2 - 0.3) / 17, 9);

    const cost = byName.get("llmeter.client.cost") as SumMetricData;
    expect(cost.descriptor.unit).toBe("USD");
    const totalCost = cost.dataPoints.reduce((sum, point) => sum + point.value, 0);
    expect(totalCost).toBeCloseTo(5110e-6 + 70 * 4e-6, 12);
  });
});

describe("logs", () => {
  it("emits one structured usage log record per call, linked to its span, without content", async () => {
    await withAttribution({ tenantId: "acme" }, () =>
      meter.track({ provider: "openai", model: "gpt-4o" }, (tracker) => {
        tracker.setTokens({ inputTokens: 7, outputTokens: 3 });
      }),
    );
    meter.record({ provider: "openai", model: "gpt-4o-mini", inputTokens: 1 });
    await meter.flush();
    const records = kit.logs.getFinishedLogRecords();
    expect(records).toHaveLength(2);
    const [record] = records;
    const span = kit.spans.getFinishedSpans().find((candidate) => candidate.name === "chat gpt-4o");
    expect(record?.eventName).toBe("llmeter.usage");
    expect(record?.severityText).toBe("INFO");
    expect(record?.spanContext?.spanId).toBe(span?.spanContext().spanId);
    expect(record?.spanContext?.traceId).toBe(span?.spanContext().traceId);
    expect(record?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.usage.input_tokens": 7,
      "gen_ai.usage.output_tokens": 3,
      "llmeter.tenant.id": "acme",
    });
    expect(record?.body).toContain("gpt-4o");
    expect(records[1]?.attributes["gen_ai.request.model"]).toBe("gpt-4o-mini");
  });

  it("can turn each signal off", async () => {
    const spansOnly = meterWith({ metrics: false, logs: false });
    spansOnly.record({ provider: "openai", model: "gpt", inputTokens: 1 });
    await spansOnly.flush();
    expect(kit.spans.getFinishedSpans()).toHaveLength(1);
    expect(kit.logs.getFinishedLogRecords()).toHaveLength(0);
    expect(await kit.collectMetrics()).toHaveLength(0);
    await spansOnly.shutdown();
  });
});

describe("finish reasons, server and request parameters", () => {
  const requested = {
    provider: "openai",
    model: "gpt-4o",
    serverAddress: "api.openai.com",
    serverPort: 443,
    requestMaxTokens: 256,
    requestTemperature: 0.2,
    requestTopP: 0.9,
    requestTopK: 40,
    requestFrequencyPenalty: -0.5,
    requestPresencePenalty: 0.25,
    requestSeed: 7,
    requestChoiceCount: 2,
  };

  it("puts them on the span and the log record, under the GenAI and server names", async () => {
    await meter.track(requested, (tracker) => {
      tracker.setTokens({ inputTokens: 10, outputTokens: 4 });
      tracker.setResponse({
        responseModel: "gpt-4o-2024-08-06",
        finishReasons: ["stop", "length"],
      });
    });
    await meter.flush();
    const expected = {
      "gen_ai.response.finish_reasons": ["stop", "length"],
      "server.address": "api.openai.com",
      "server.port": 443,
      "gen_ai.request.max_tokens": 256,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.top_k": 40,
      "gen_ai.request.frequency_penalty": -0.5,
      "gen_ai.request.presence_penalty": 0.25,
      "gen_ai.request.seed": 7,
      "gen_ai.request.choice.count": 2,
    };
    const [span] = kit.spans.getFinishedSpans();
    expect(span?.attributes).toMatchObject(expected);
    const [record] = kit.logs.getFinishedLogRecords();
    expect(record?.attributes).toMatchObject(expected);
    expect(recorded[0]).toMatchObject({ finishReasons: ["stop", "length"], serverPort: 443 });
  });

  it("leaves unset parameters off the span", async () => {
    meter.record({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
    await meter.flush();
    const [span] = kit.spans.getFinishedSpans();
    const keys = Object.keys(span?.attributes ?? {});
    expect(
      keys.filter((key) => key.startsWith("gen_ai.request.") || key.startsWith("server.")),
    ).toEqual(["gen_ai.request.model"]);
    expect(keys).not.toContain("gen_ai.response.finish_reasons");
  });

  it("gives metrics the server address and port but never finish reasons or parameters", async () => {
    await meter.track(requested, (tracker) => {
      tracker.setTokens({ inputTokens: 10, outputTokens: 4 });
      tracker.setResponse({ finishReasons: ["stop"] });
    });
    await meter.flush();
    const metrics = await kit.collectMetrics();
    const duration = metrics.find(
      (metric) => metric.descriptor.name === "gen_ai.client.operation.duration",
    ) as HistogramMetricData | undefined;
    const point = duration?.dataPoints[0];
    expect(point?.attributes).toMatchObject({
      "server.address": "api.openai.com",
      "server.port": 443,
    });
    for (const metric of metrics) {
      for (const dataPoint of metric.dataPoints) {
        const keys = Object.keys(dataPoint.attributes);
        expect(keys).not.toContain("gen_ai.response.finish_reasons");
        expect(
          keys.filter((key) => key.startsWith("gen_ai.request.") && key !== "gen_ai.request.model"),
        ).toEqual([]);
      }
    }
  });
});
