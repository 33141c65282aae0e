// When and how spans are made: calls tracked by hand with `start()` … `end()` that never run inside
// their span get it when they end, with the start time and parent of when they started (the
// integrations, which run the SDK call through `tracker.run()`, are in
// integration-span-nesting.test.ts); samplers still see the
// sampling-relevant attributes at creation; metric attribute sets shared by calls of one shape
// never mix two shapes.
import { type Attributes, context, SpanKind, trace } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import {
  AggregationTemporality,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  type Span,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import type { Meter } from "../../src/meter/types.ts";
import {
  createOtelInstrumentation,
  type OtelOptions,
} from "../../src/otel/otel-instrumentation.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { createOtelTestKit, installContextManager, type OtelTestKit } from "./otel-test-kit.ts";

let removeContextManager: () => void;
beforeAll(() => {
  removeContextManager = installContextManager();
});
afterAll(() => removeContextManager());

/** What samplers and span processors saw when each span was created. */
interface AtCreation {
  sampled: Array<{ name: string; attributes: Attributes }>;
  started: Array<{ name: string; attributes: Attributes }>;
}

function watchedTracerProvider(seen: AtCreation, spans: InMemorySpanExporter) {
  const sampler: Sampler = {
    shouldSample(_context, _traceId, name, _kind, attributes) {
      seen.sampled.push({ name, attributes: { ...attributes } });
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    },
    toString: () => "recording sampler",
  };
  const onStart: SpanProcessor = {
    onStart(span: Span) {
      const readable = span as unknown as ReadableSpan;
      seen.started.push({ name: readable.name, attributes: { ...readable.attributes } });
    },
    onEnd() {},
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return new TracerProvider({
    sampler,
    spanProcessors: [onStart, new SimpleSpanProcessor({ exporter: spans })],
  });
}

let kit: OtelTestKit;
let recorded: UsageEvent[];
const meters: Meter[] = [];

function meterWith(options: OtelOptions): Meter {
  const meter = createMeter({
    instrumentations: [
      createOtelInstrumentation({
        tracerProvider: kit.tracerProvider,
        meterProvider: kit.meterProvider,
        loggerProvider: kit.loggerProvider,
        ...options,
      }),
    ],
    sinks: [(event) => recorded.push(event)],
    diagnostics: silentDiagnostics,
  });
  meters.push(meter);
  return meter;
}

beforeEach(() => {
  recorded = [];
  kit = createOtelTestKit();
});
afterEach(async () => {
  await Promise.all(meters.splice(0).map((meter) => meter.shutdown()));
  await kit.shutdown();
});

const requested = {
  provider: "openai",
  model: "gpt-4o-mini",
  operation: "chat",
  serverAddress: "api.openai.com",
  serverPort: 443,
  requestTemperature: 0.2,
};

describe("calls tracked with start() and end()", () => {
  it("get a span with the start time and parent of when they started, made off the caller's stack", async () => {
    const seen: AtCreation = { sampled: [], started: [] };
    const spans = new InMemorySpanExporter();
    const tracerProvider = watchedTracerProvider(seen, spans);
    const meter = meterWith({ tracerProvider });
    const parent = tracerProvider
      .getTracer("app")
      .startSpan("GET /chat", { kind: SpanKind.SERVER });

    const before = Date.now();
    const tracker = context.with(trace.setSpan(context.active(), parent), () =>
      meter.start(requested),
    );
    const after = Date.now();
    // Nothing was made on the caller's stack (the only span so far is the application's).
    expect(seen.started.map((entry) => entry.name)).toEqual(["GET /chat"]);
    // The call ends somewhere else: another tick, outside the parent's context.
    await new Promise((resolve) => setTimeout(resolve, 15));
    tracker.setTokens({ inputTokens: 40, outputTokens: 8 });
    tracker.setResponse({ responseModel: "gpt-4o-mini-2024-07-18", finishReasons: ["stop"] });
    tracker.end();
    await meter.flush();
    parent.end();

    const span = spans
      .getFinishedSpans()
      .find((candidate) => candidate.name === "chat gpt-4o-mini");
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.spanContext().traceId).toBe(parent.spanContext().traceId);
    const startMs = hrTimeToMilliseconds(span?.startTime ?? [0, 0]);
    expect(startMs).toBeGreaterThanOrEqual(before - 1);
    expect(startMs).toBeLessThanOrEqual(after + 1);
    const durationMs = hrTimeToMilliseconds(span?.endTime ?? [0, 0]) - startMs;
    expect(durationMs).toBeCloseTo(recorded[0]?.latencyMs ?? -1, 2);
    expect(durationMs).toBeGreaterThanOrEqual(10);

    // Samplers decide on the sampling-relevant attributes, given at creation as the conventions ask.
    const sampling = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "server.address": "api.openai.com",
      "server.port": 443,
    };
    const llmSampled = seen.sampled.find((entry) => entry.name === "chat gpt-4o-mini");
    expect(llmSampled?.attributes).toEqual(sampling);
    expect(seen.started.find((entry) => entry.name === "chat gpt-4o-mini")?.attributes).toEqual(
      sampling,
    );
    // Everything else is on the ended span, with the start attributes unchanged.
    expect(span?.attributes).toMatchObject({
      ...sampling,
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.request.temperature": 0.2,
      "gen_ai.usage.input_tokens": 40,
      "gen_ai.usage.output_tokens": 8,
    });
    const [log] = kit.logs.getFinishedLogRecords();
    expect(log?.spanContext?.spanId).toBe(span?.spanContext().spanId);
    expect(log?.body).toContain("chat gpt-4o-mini");
    await tracerProvider.shutdown();
  });

  it("still start their span when the call starts under track(), so work done during the call nests in it", async () => {
    const seen: AtCreation = { sampled: [], started: [] };
    const spans = new InMemorySpanExporter();
    const tracerProvider = watchedTracerProvider(seen, spans);
    const meter = meterWith({ tracerProvider });
    await meter.track({ provider: "anthropic", model: "claude-haiku-4-5" }, async (tracker) => {
      // Already started (named after what is known so far: no operation given yet), live while
      // the call runs.
      expect(seen.started.map((entry) => entry.name)).toEqual(["claude-haiku-4-5"]);
      tracerProvider.getTracer("app").startSpan("POST /v1/messages").end();
      tracker.setTokens({ inputTokens: 3, outputTokens: 1 });
    });
    await meter.flush();
    const finished = spans.getFinishedSpans();
    const span = finished.find((candidate) => candidate.name === "chat claude-haiku-4-5");
    const child = finished.find((candidate) => candidate.name === "POST /v1/messages");
    expect(child?.parentSpanContext?.spanId).toBe(span?.spanContext().spanId);
    expect(seen.started[0]?.attributes).toEqual({
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-haiku-4-5",
    });
    expect(span?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.usage.input_tokens": 3,
    });
    expect(seen.sampled.find((entry) => entry.name === "claude-haiku-4-5")?.attributes).toEqual(
      seen.started[0]?.attributes,
    );
    await tracerProvider.shutdown();
  });
});

describe("metric attributes shared by calls of one shape", () => {
  function durationPoints(metrics: Awaited<ReturnType<OtelTestKit["collectMetrics"]>>) {
    const duration = metrics.find(
      (metric) => metric.descriptor.name === "gen_ai.client.operation.duration",
    ) as HistogramMetricData | undefined;
    return duration?.dataPoints ?? [];
  }

  it("keeps calls that differ in response model, server or outcome apart", async () => {
    const meter = meterWith({});
    const base = { provider: "openai", model: "gpt-4o", latencyMs: 100, inputTokens: 5 };
    meter.record({ ...base, responseModel: "gpt-4o-2024-08-06" });
    meter.record({ ...base, responseModel: "gpt-4o-2024-08-06" });
    meter.record({ ...base, responseModel: "gpt-4o-2024-11-20" });
    meter.record({ ...base, responseModel: "gpt-4o-2024-08-06", serverPort: 8443 });
    meter.record({ ...base, responseModel: "gpt-4o-2024-08-06", success: false });
    meter.record({ ...base, success: false, errorType: "RateLimitError" });
    meter.record({ ...base, operation: "embeddings" });
    await meter.flush();
    const points = durationPoints(await kit.collectMetrics());
    const summary = points
      .map((point) => ({
        responseModel: point.attributes["gen_ai.response.model"],
        port: point.attributes["server.port"],
        error: point.attributes["error.type"],
        operation: point.attributes["gen_ai.operation.name"],
        count: point.value.count,
      }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(summary).toEqual(
      [
        {
          responseModel: "gpt-4o-2024-08-06",
          port: undefined,
          error: undefined,
          operation: "chat",
          count: 2,
        },
        {
          responseModel: "gpt-4o-2024-11-20",
          port: undefined,
          error: undefined,
          operation: "chat",
          count: 1,
        },
        {
          responseModel: "gpt-4o-2024-08-06",
          port: 8443,
          error: undefined,
          operation: "chat",
          count: 1,
        },
        {
          responseModel: "gpt-4o-2024-08-06",
          port: undefined,
          error: "_OTHER",
          operation: "chat",
          count: 1,
        },
        {
          responseModel: undefined,
          port: undefined,
          error: "RateLimitError",
          operation: "chat",
          count: 1,
        },
        {
          responseModel: undefined,
          port: undefined,
          error: undefined,
          operation: "embeddings",
          count: 1,
        },
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    const tokens = (await kit.collectMetrics()).find(
      (metric) => metric.descriptor.name === "gen_ai.client.token.usage",
    ) as HistogramMetricData | undefined;
    for (const point of tokens?.dataPoints ?? [])
      expect(point.attributes["gen_ai.token.type"]).toBe("input");
  });

  it("stays right for more models than it keeps, and carries gen_ai.system when the older names are asked for", async () => {
    const meter = meterWith({ legacyAttributes: true });
    const models = Array.from({ length: 600 }, (_, index) => `model-${index}`);
    for (const model of models) meter.record({ provider: "openai", model, latencyMs: 10 });
    // Seen again after the cache started over: the same series, not a new one.
    meter.record({ provider: "openai", model: "model-0", latencyMs: 10 });
    await meter.flush();
    const points = durationPoints(await kit.collectMetrics());
    expect(points).toHaveLength(600);
    const byModel = new Map(
      points.map((point) => [point.attributes["gen_ai.request.model"], point]),
    );
    expect(byModel.get("model-0")?.value.count).toBe(2);
    expect(byModel.get("model-599")?.value.count).toBe(1);
    expect(byModel.get("model-300")?.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "model-300",
      "gen_ai.system": "openai",
    });
  });

  it("adds the cost of every instrumentation on one meter into one series, delta temporality too", async () => {
    const first = meterWith({});
    const second = meterWith({});
    const call = { provider: "openai", model: "gpt-4o", serverPort: 443 };
    first.record({ ...call, costUsd: 0.01 });
    second.record({ ...call, costUsd: 0.02 });
    // A shape seen again after the shape cache started over still adds to the same total.
    for (let index = 0; index < 600; index++)
      first.record({ provider: "openai", model: `filler-${index}`, costUsd: 0.001 });
    first.record({ ...call, costUsd: 0.005 });
    await Promise.all([first.flush(), second.flush()]);
    const costPoints = (metrics: Awaited<ReturnType<OtelTestKit["collectMetrics"]>>) =>
      (metrics.find((metric) => metric.descriptor.name === "llmeter.client.cost")?.dataPoints ??
        []) as Array<{ attributes: Attributes; value: number }>;
    const points = costPoints(await kit.collectMetrics());
    const gpt4o = points.filter((point) => point.attributes["gen_ai.request.model"] === "gpt-4o");
    expect(gpt4o).toHaveLength(1);
    expect(gpt4o[0]?.value).toBeCloseTo(0.035, 12);
    expect(gpt4o[0]?.attributes["server.port"]).toBe(443);
    expect(points).toHaveLength(601);

    // With delta temporality each export carries what was added since the previous one.
    const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const deltaProvider = new MeterProvider({ readers: [reader] });
    const delta = meterWith({ meterProvider: deltaProvider });
    const deltaCost = async () => {
      exporter.reset();
      await reader.forceFlush();
      const metrics = exporter
        .getMetrics()
        .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
      return costPoints(metrics).reduce((sum, point) => sum + point.value, 0);
    };
    delta.record({ ...call, costUsd: 0.01 });
    await delta.flush();
    expect(await deltaCost()).toBeCloseTo(0.01, 12);
    delta.record({ ...call, costUsd: 0.02 });
    delta.record({ ...call, costUsd: 0.03 });
    await delta.flush();
    expect(await deltaCost()).toBeCloseTo(0.05, 12);
    await deltaProvider.shutdown();
  });
});
