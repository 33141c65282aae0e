// startOtelExport: llmeter's own OTLP pipeline for applications without an OpenTelemetry setup.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import { registeredInstrumentations } from "../../src/meter/instrumentation.ts";
import { startOtelExport } from "../../src/otel/otlp-pipeline.ts";
import { attributeMap, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded OTLP payloads are untyped; the assertions check their shape.
type Json = Record<string, any>;

describe("startOtelExport", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  for (const protocol of ["http/json", "http/protobuf"] as const) {
    it(`sends spans, metrics and log records of every meter's calls over ${protocol}`, async () => {
      const pipeline = await startOtelExport({
        endpoint: receiver.url,
        protocol,
        headers: { "x-api-key": "collector-key" },
        serviceName: "checkout",
      });
      expect(registeredInstrumentations()).toContain(pipeline.instrumentation);
      const meter = createMeter({ store: false, diagnostics: silentDiagnostics });
      await meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
        tracker.setTokens({ inputTokens: 40, outputTokens: 8 });
      });
      await meter.flush();
      await pipeline.forceFlush();

      const paths = receiver.requests.map((request) => request.path).sort();
      expect(paths).toEqual(["/v1/logs", "/v1/metrics", "/v1/traces"]);
      for (const request of receiver.requests) {
        expect(request.headers["x-api-key"]).toBe("collector-key");
        expect(request.contentType).toContain(protocol === "http/json" ? "json" : "protobuf");
      }
      const traces = receiver.requests.find((request) => request.path === "/v1/traces")
        ?.body as Json;
      const resource = attributeMap(traces.resourceSpans[0].resource.attributes);
      expect(resource["service.name"]).toBe("checkout");
      const span = traces.resourceSpans[0].scopeSpans[0].spans[0];
      expect(span.name).toBe("chat gpt-4o");
      expect(attributeMap(span.attributes)["gen_ai.usage.input_tokens"]).toBe(40);
      if (protocol === "http/json") {
        const metrics = receiver.requests.find((request) => request.path === "/v1/metrics")
          ?.body as Json;
        const names = metrics.resourceMetrics[0].scopeMetrics.flatMap((scope: Json) =>
          scope.metrics.map((metric: Json) => metric.name),
        );
        expect(names).toEqual(
          expect.arrayContaining(["gen_ai.client.token.usage", "gen_ai.client.operation.duration"]),
        );
      }

      await pipeline.shutdown();
      expect(registeredInstrumentations()).not.toContain(pipeline.instrumentation);
      await meter.shutdown();
    });
  }

  it("says which setting is wrong", async () => {
    await expect(startOtelExport({ endpoint: "collector:4318" })).rejects.toThrow(
      /not an http\(s\) URL/,
    );
  });
});
