// OTLP over gRPC: the official gRPC exporters against a loopback gRPC collector.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { silentDiagnostics } from "../../src/meter/diagnostics.ts";
import { exportOtlp } from "../../src/otel/export-otlp.ts";
import { checkEndpoint, resolveProtocol } from "../../src/otel/otlp-exporters.ts";
import { startOtelExport } from "../../src/otel/otlp-pipeline.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { commandMissing, requireService } from "../services/require-service.ts";
import { metricNames, type OtlpGrpcReceiver, startOtlpGrpcReceiver } from "./otlp-grpc-receiver.ts";
import { attributeMap, type Json, logsOf, spansOf } from "./otlp-receiver.ts";

const opensslInstalled = requireService({
  service: "openssl",
  missing: commandMissing("openssl", ["version"]),
  install: "sudo bash .ci/setup/openssl.sh (Debian's openssl)",
});

describe("OTLP over gRPC", () => {
  let receiver: OtlpGrpcReceiver;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    receiver = await startOtlpGrpcReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
  });
  afterEach(() => {
    for (const name of ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_ENDPOINT"]) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  it("startOtelExport sends spans, metrics and log records with the headers as metadata", async () => {
    const pipeline = await startOtelExport({
      endpoint: receiver.url,
      protocol: "grpc",
      headers: { "x-api-key": "collector-key" },
      serviceName: "checkout",
    });
    const meter = createMeter({ store: false, diagnostics: silentDiagnostics });
    await meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
      tracker.setTokens({ inputTokens: 40, outputTokens: 8 });
    });
    await meter.flush();
    await pipeline.forceFlush();

    expect(receiver.requests.map((request) => request.signal).sort()).toEqual([
      "logs",
      "metrics",
      "traces",
    ]);
    for (const request of receiver.requests)
      expect(request.metadata["x-api-key"]).toBe("collector-key");

    const traces = receiver.requests.find((request) => request.signal === "traces")?.body as Json;
    expect(attributeMap(traces.resourceSpans[0].resource.attributes)["service.name"]).toBe(
      "checkout",
    );
    const [span] = spansOf(traces);
    expect(span?.name).toBe("chat gpt-4o");
    const spanAttributes = attributeMap(span?.attributes);
    expect(spanAttributes["gen_ai.usage.input_tokens"]).toBe(40);
    expect(spanAttributes["gen_ai.usage.output_tokens"]).toBe(8);
    expect(spanAttributes["gen_ai.request.model"]).toBe("gpt-4o");

    const metrics = receiver.requests.find((request) => request.signal === "metrics")?.body as Json;
    expect(metricNames(metrics)).toEqual(
      expect.arrayContaining(["gen_ai.client.token.usage", "gen_ai.client.operation.duration"]),
    );
    const tokenUsage = metrics.resourceMetrics[0].scopeMetrics
      .flatMap((scope: Json) => scope.metrics)
      .find((metric: Json) => metric.name === "gen_ai.client.token.usage");
    const tokenSum = tokenUsage.histogram.dataPoints.reduce(
      (total: number, point: Json) => total + point.sum,
      0,
    );
    expect(tokenSum).toBe(48);

    const logs = logsOf(
      receiver.requests.find((request) => request.signal === "logs")?.body as Json,
    );
    expect(logs).toHaveLength(1);
    // The log record is correlated with the call's span.
    expect(logs[0]?.spanId).toBe(span?.spanId);

    await pipeline.shutdown();
    await meter.shutdown();
  });

  it("follows OTEL_EXPORTER_OTLP_PROTOCOL=grpc and OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "grpc";
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    const pipeline = await startOtelExport({ metrics: false });
    const meter = createMeter({ store: false, diagnostics: silentDiagnostics });
    meter.recordEmbedding({ provider: "openai", model: "text-embedding-3-small", inputTokens: 12 });
    await meter.flush();
    await pipeline.forceFlush();
    expect(receiver.requests.map((request) => request.signal).sort()).toEqual(["logs", "traces"]);
    const traces = receiver.requests.find((request) => request.signal === "traces")?.body as Json;
    expect(spansOf(traces).map((span) => span.name)).toEqual(["embeddings text-embedding-3-small"]);
    await pipeline.shutdown();
    await meter.shutdown();
  });

  it("exportOtlp pushes ledger events over gRPC", async () => {
    const events: UsageEvent[] = [
      {
        id: "evt-1",
        timestamp: "2026-11-20T10:00:00.000Z",
        kind: "llm",
        operation: "chat",
        provider: "anthropic",
        model: "claude-sonnet-4",
        inputTokens: 900,
        outputTokens: 120,
        latencyMs: 2000,
        success: true,
        costUsd: 0.0045,
      },
    ];
    const sent = await exportOtlp(events, { endpoint: receiver.url, protocol: "grpc" });
    expect(sent).toEqual({ spans: 1, logs: 1 });
    const traces = receiver.requests.find((request) => request.signal === "traces")?.body as Json;
    const [span] = spansOf(traces);
    expect(span?.name).toBe("chat claude-sonnet-4");
    // The span keeps the call's own times: it starts at the event's timestamp and lasts its latency.
    const startNanos = BigInt(Date.parse("2026-11-20T10:00:00.000Z")) * 1_000_000n;
    expect(BigInt(span?.startTimeUnixNano)).toBe(startNanos);
    expect(BigInt(span?.endTimeUnixNano) - startNanos).toBe(2000n * 1_000_000n);
    expect(attributeMap(span?.attributes)["gen_ai.usage.cost.amount"]).toBe(0.0045);
    expect(receiver.requests.filter((request) => request.signal === "logs")).toHaveLength(1);
  });

  it.skipIf(!opensslInstalled)(
    "speaks TLS to an https:// endpoint, trusting the certificate of OTEL_EXPORTER_OTLP_CERTIFICATE",
    async () => {
      // A throwaway self-signed certificate for 127.0.0.1 (openssl: .ci/setup/openssl.sh).
      const directory = mkdtempSync(join(tmpdir(), "llmeter-grpc-tls-"));
      const keyPath = join(directory, "key.pem");
      const certificatePath = join(directory, "certificate.pem");
      execFileSync(
        "openssl",
        [
          ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
          ...["-keyout", keyPath, "-out", certificatePath, "-subj", "/CN=127.0.0.1"],
          ...["-addext", "subjectAltName=IP:127.0.0.1"],
        ],
        { stdio: "ignore" },
      );
      const secure = await startOtlpGrpcReceiver({
        tls: { key: readFileSync(keyPath), certificate: readFileSync(certificatePath) },
      });
      process.env.OTEL_EXPORTER_OTLP_CERTIFICATE = certificatePath;
      try {
        expect(secure.url).toMatch(/^https:/);
        const sent = await exportOtlp(
          [
            {
              id: "evt-tls",
              timestamp: "2026-11-20T10:00:00.000Z",
              kind: "llm",
              operation: "chat",
              provider: "openai",
              model: "gpt-4o",
              inputTokens: 10,
              success: true,
            },
          ],
          { endpoint: secure.url, protocol: "grpc", logs: false },
        );
        expect(sent).toEqual({ spans: 1, logs: 0 });
        const traces = secure.requests.find((request) => request.signal === "traces")?.body as Json;
        expect(spansOf(traces).map((span) => span.name)).toEqual(["chat gpt-4o"]);
        // The plaintext receiver saw nothing: the call went over TLS to the secure one.
        expect(receiver.requests).toHaveLength(0);
      } finally {
        delete process.env.OTEL_EXPORTER_OTLP_CERTIFICATE;
        await secure.close();
      }
    },
  );

  it("refuses a gRPC endpoint with a path, and names the supported protocols", () => {
    expect(() => checkEndpoint("http://collector:4317/v1/traces", "grpc")).toThrow(
      /gRPC takes only a scheme, host and port/,
    );
    expect(checkEndpoint("https://collector:4317/", "grpc")).toBe("https://collector:4317");
    expect(resolveProtocol("grpc")).toBe("grpc");
    expect(() => resolveProtocol("thrift")).toThrow(/"http\/protobuf", "http\/json" or "grpc"/);
  });
});
