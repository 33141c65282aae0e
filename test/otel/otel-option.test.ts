// The meter's `otel` option and setting, end to end with the real OpenTelemetry SDK: through the
// application's providers (`true`), opted out (`false`), and llmeter's own OTLP export (an object
// with an endpoint, from options, .llmeter/config.json or LLMETER_OTEL + OTEL_EXPORTER_OTLP_*).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logs, metrics, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import { registeredInstrumentations } from "../../src/meter/instrumentation.ts";
import { disableOtel, enableOtel } from "../../src/otel/enable-otel.ts";
import { createOtelTestKit, installContextManager, type OtelTestKit } from "./otel-test-kit.ts";
import { metricNames, type OtlpGrpcReceiver, startOtlpGrpcReceiver } from "./otlp-grpc-receiver.ts";
import { attributeMap, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded OTLP payloads are untyped; the assertions check their shape.
type Json = Record<string, any>;

function spansOf(body: Json): Json[] {
  return body.resourceSpans.flatMap((resource: Json) =>
    resource.scopeSpans.flatMap((scope: Json) => scope.spans),
  );
}

function metricsOf(body: Json): Json[] {
  return body.resourceMetrics.flatMap((resource: Json) =>
    resource.scopeMetrics.flatMap((scope: Json) => scope.metrics),
  );
}

function projectWith(config: unknown): string {
  const cwd = mkdtempSync(join(tmpdir(), "llmeter-otel-option-"));
  mkdirSync(join(cwd, ".llmeter"));
  writeFileSync(join(cwd, ".llmeter", "config.json"), JSON.stringify(config));
  return cwd;
}

describe("otel: true, through the application's providers", () => {
  let kit: OtelTestKit;
  let uninstallContext: () => void;
  beforeEach(() => {
    uninstallContext = installContextManager();
    kit = createOtelTestKit();
    trace.setGlobalTracerProvider(kit.tracerProvider);
    metrics.setGlobalMeterProvider(kit.meterProvider);
    logs.setGlobalLoggerProvider(kit.loggerProvider);
  });
  afterEach(async () => {
    disableOtel();
    trace.disable();
    metrics.disable();
    logs.disable();
    uninstallContext();
    await kit.shutdown();
  });

  it("gives calls made while OpenTelemetry loads their span, metrics and log too", async () => {
    const meter = createMeter({ store: false, otel: true, diagnostics: silentDiagnostics });
    // Synchronously after createMeter: the OpenTelemetry module cannot have loaded yet.
    meter.recordLlm({ provider: "openai", model: "early", inputTokens: 10, outputTokens: 2 });
    const early = meter.track({ provider: "openai", model: "early-tracked" }, (tracker) => {
      tracker.setTokens({ inputTokens: 5, outputTokens: 1 });
      return "answer";
    });
    expect(early).toBe("answer");
    await meter.flush();
    expect(
      kit.spans
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(["chat early", "chat early-tracked"]);
    expect(kit.logs.getFinishedLogRecords()).toHaveLength(2);
    const tokenUsage = (await kit.collectMetrics()).find(
      (metric) => metric.descriptor.name === "gen_ai.client.token.usage",
    );
    const tokens = tokenUsage?.dataPoints.reduce(
      (total, point) => total + (point.value as { sum: number }).sum,
      0,
    );
    expect(tokens).toBe(18);

    // Once loaded, a call is a child of the caller's active span, as with `import "llmeter/otel"`.
    const tracer = trace.getTracer("app");
    await tracer.startActiveSpan("handle request", async (request) => {
      await meter.track({ provider: "openai", model: "late" }, async () => "answer");
      request.end();
    });
    await meter.flush();
    const late = kit.spans.getFinishedSpans().find((span) => span.name === "chat late");
    const request = kit.spans.getFinishedSpans().find((span) => span.name === "handle request");
    expect(late?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    await meter.shutdown();
  });

  it("replaces a process-wide llmeter/otel for the meter: no double spans", async () => {
    enableOtel();
    const meter = createMeter({ store: false, otel: true, diagnostics: silentDiagnostics });
    await meter.flush();
    meter.recordLlm({ provider: "openai", model: "once" });
    await meter.flush();
    expect(kit.spans.getFinishedSpans().map((span) => span.name)).toEqual(["chat once"]);
    await meter.shutdown();
  });

  it("otel: false opts one meter out of a process-wide llmeter/otel", async () => {
    enableOtel();
    const quiet = createMeter({ store: false, otel: false, diagnostics: silentDiagnostics });
    const loud = createMeter({ store: false, diagnostics: silentDiagnostics });
    quiet.recordLlm({ provider: "openai", model: "quiet" });
    loud.recordLlm({ provider: "openai", model: "loud" });
    await Promise.all([quiet.flush(), loud.flush()]);
    expect(kit.spans.getFinishedSpans().map((span) => span.name)).toEqual(["chat loud"]);
    await Promise.all([quiet.shutdown(), loud.shutdown()]);
  });

  it("LLMETER_OTEL=true turns it on, from the environment the meter reads", async () => {
    const meter = createMeter({
      store: false,
      configContext: { env: { LLMETER_OTEL: "true" }, cwd: tmpdir() },
      diagnostics: silentDiagnostics,
    });
    meter.recordEmbedding({ provider: "openai", model: "text-embedding-3-small", inputTokens: 3 });
    await meter.flush();
    expect(kit.spans.getFinishedSpans().map((span) => span.name)).toEqual([
      "embeddings text-embedding-3-small",
    ]);
    await meter.shutdown();
  });
});

describe("otel with an endpoint: llmeter's own OTLP export", () => {
  let http: OtlpReceiver;
  let grpc: OtlpGrpcReceiver;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    [http, grpc] = await Promise.all([startOtlpReceiver(), startOtlpGrpcReceiver()]);
  });
  afterAll(() => Promise.all([http.close(), grpc.close()]));
  beforeEach(() => {
    http.requests.length = 0;
    grpc.requests.length = 0;
  });
  afterEach(() => {
    for (const name of Object.keys(process.env))
      if (name.startsWith("OTEL_") && savedEnv[name] === undefined) delete process.env[name];
  });

  it("exports from the option and sends everything at meter.shutdown(), registering nothing process-wide", async () => {
    const before = registeredInstrumentations();
    const meter = createMeter({
      store: false,
      otel: {
        endpoint: http.url,
        protocol: "http/json",
        headers: { "x-api-key": "collector-key" },
        serviceName: "billing",
      },
      diagnostics: silentDiagnostics,
    });
    meter.recordLlm({ provider: "anthropic", model: "claude-sonnet-4", inputTokens: 30 });
    await meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
      tracker.setTokens({ inputTokens: 40, outputTokens: 8 });
    });
    expect(registeredInstrumentations()).toBe(before);
    await meter.shutdown();

    expect([...new Set(http.requests.map((request) => request.path))].sort()).toEqual([
      "/v1/logs",
      "/v1/metrics",
      "/v1/traces",
    ]);
    for (const request of http.requests) expect(request.headers["x-api-key"]).toBe("collector-key");
    const traces = http.requests.filter((request) => request.path === "/v1/traces");
    const spans = traces.flatMap((request) => spansOf(request.body));
    expect(spans.map((span) => span.name).sort()).toEqual(["chat claude-sonnet-4", "chat gpt-4o"]);
    const resource = (traces[0]?.body as Json | undefined)?.resourceSpans[0].resource;
    expect(attributeMap(resource?.attributes)["service.name"]).toBe("billing");
  });

  it("exports over gRPC from .llmeter/config.json", async () => {
    const cwd = projectWith({ otel: { endpoint: grpc.url, protocol: "grpc", logs: false } });
    const meter = createMeter({
      store: false,
      configContext: { cwd, env: {} },
      diagnostics: silentDiagnostics,
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o-mini", inputTokens: 7, outputTokens: 3 });
    await meter.shutdown();
    expect([...new Set(grpc.requests.map((request) => request.signal))].sort()).toEqual([
      "metrics",
      "traces",
    ]);
    const spans = grpc.requests
      .filter((request) => request.signal === "traces")
      .flatMap((request) => spansOf(request.body));
    expect(spans.map((span) => span.name)).toEqual(["chat gpt-4o-mini"]);
    const metricRequest = grpc.requests.find((request) => request.signal === "metrics");
    expect(metricNames(metricRequest?.body ?? {})).toContain("gen_ai.client.token.usage");
  });

  it("LLMETER_OTEL=export takes endpoint, protocol and headers from OTEL_EXPORTER_OTLP_*", async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = http.url;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
    process.env.OTEL_EXPORTER_OTLP_HEADERS = "x-tenant=acme";
    const meter = createMeter({
      store: false,
      configContext: { env: { LLMETER_OTEL: "export" }, cwd: tmpdir() },
      diagnostics: silentDiagnostics,
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
    await meter.shutdown();
    const traces = http.requests.filter((request) => request.path === "/v1/traces");
    expect(traces.flatMap((request) => spansOf(request.body)).map((span) => span.name)).toEqual([
      "chat gpt-4o",
    ]);
    expect(traces[0]?.headers["x-tenant"]).toBe("acme");
    expect(traces[0]?.contentType).toContain("json");
  });

  it("meters with the same export settings share one pipeline (one metric stream)", async () => {
    const otel = { endpoint: http.url, protocol: "http/json" as const, spans: false, logs: false };
    const first = createMeter({ store: false, otel, diagnostics: silentDiagnostics });
    const second = createMeter({ store: false, otel, diagnostics: silentDiagnostics });
    first.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 100 });
    second.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 20 });
    await first.shutdown();
    await second.shutdown();
    const metricRequests = http.requests.filter((request) => request.path === "/v1/metrics");
    // Cumulative metrics: the last export of the one shared stream holds both meters' calls.
    const last = metricRequests.at(-1)?.body as Json;
    const tokenUsage = metricsOf(last).find(
      (metric) => metric.name === "gen_ai.client.token.usage",
    );
    const sum = tokenUsage?.histogram.dataPoints.reduce(
      (total: number, point: Json) => total + Number(point.sum),
      0,
    );
    expect(sum).toBe(120);
  });

  it("a collector that refuses the export never fails the calls nor the shutdown", async () => {
    http.failWith(400);
    const reports: string[] = [];
    try {
      const meter = createMeter({
        store: false,
        otel: { endpoint: http.url, protocol: "http/protobuf" },
        diagnostics: (_level, message) => reports.push(message),
      });
      expect(meter.track({ provider: "openai", model: "gpt-4o" }, () => 42)).toBe(42);
      await expect(meter.shutdown()).resolves.toEqual({ lostByLedger: 0 });
      expect(http.requests.some((request) => request.path === "/v1/traces")).toBe(true);
      expect(meter.getStats().totalRequests).toBe(1);
      // Reported through the meter's own diagnostics, not thrown.
      expect(reports).toEqual([expect.stringContaining("OpenTelemetry export failed at shutdown")]);
    } finally {
      http.failWith(undefined);
    }
  });
});
