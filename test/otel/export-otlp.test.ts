import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exportOtlp, toOtlpJsonLines } from "../../src/otel/export-otlp.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import {
  attributeMap,
  type Json,
  logsOf,
  type OtlpReceiver,
  spansOf,
  startOtlpReceiver,
} from "./otlp-receiver.ts";

const events: UsageEvent[] = [
  {
    id: "evt-1",
    timestamp: "2026-11-20T10:00:00.000Z",
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o",
    responseModel: "gpt-4o-2024-08-06",
    requestId: "chatcmpl-1",
    inputTokens: 1200,
    outputTokens: 300,
    cacheReadTokens: 1000,
    latencyMs: 1500,
    success: true,
    tenantId: "acme",
    costUsd: 0.0042,
    priceSource: "catalog",
  },
  {
    id: "evt-2",
    timestamp: "2026-11-20T10:05:00.000Z",
    kind: "embedding",
    operation: "embeddings",
    provider: "google",
    model: "text-embedding-004",
    latencyMs: 80,
    success: false,
    errorType: "RateLimitError",
    errorMessage: "quota for key AIza-secret",
  },
];

describe("exportOtlp", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.failWith(undefined);
  });

  for (const protocol of ["http/json", "http/protobuf"] as const) {
    it(`sends one span and one log record per event over ${protocol}`, async () => {
      const result = await exportOtlp(events, {
        endpoint: receiver.url,
        protocol,
        headers: { authorization: "Bearer test-token" },
        serviceName: "billing-export",
      });
      expect(result).toEqual({ spans: 2, logs: 2 });
      const traces = receiver.requests.find((request) => request.path === "/v1/traces");
      const logRequest = receiver.requests.find((request) => request.path === "/v1/logs");
      expect(traces?.contentType).toContain(protocol === "http/json" ? "json" : "protobuf");
      expect(traces?.headers.authorization).toBe("Bearer test-token");

      const body = traces?.body as Json;
      expect(attributeMap(body.resourceSpans[0].resource.attributes)["service.name"]).toBe(
        "billing-export",
      );
      expect(body.resourceSpans[0].scopeSpans[0].scope.name).toBe("llmeter");
      const spans = spansOf(body);
      expect(spans.map((span) => span.name)).toEqual([
        "chat gpt-4o",
        "embeddings text-embedding-004",
      ]);
      const [chat, embedding] = spans;
      // SPAN_KIND_CLIENT is 3 in OTLP.
      expect(chat?.kind).toBe(3);
      expect(BigInt(chat?.startTimeUnixNano)).toBe(
        BigInt(Date.parse("2026-11-20T10:00:00.000Z")) * 1_000_000n,
      );
      expect(BigInt(chat?.endTimeUnixNano) - BigInt(chat?.startTimeUnixNano)).toBe(1_500_000_000n);
      expect(attributeMap(chat?.attributes)).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.cost.amount": 0.0042,
        "gen_ai.usage.cost.currency": "USD",
        "llmeter.tenant.id": "acme",
        "llmeter.event.id": "evt-1",
      });
      // STATUS_CODE_ERROR is 2.
      expect(embedding?.status?.code).toBe(2);
      expect(attributeMap(embedding?.attributes)["error.type"]).toBe("RateLimitError");
      expect(JSON.stringify(receiver.requests.map((request) => request.body))).not.toContain(
        "AIza-secret",
      );

      const records = logsOf(logRequest?.body as Json);
      expect(records).toHaveLength(2);
      expect(records[0]?.eventName).toBe("llmeter.usage");
      expect(attributeMap(records[0]?.attributes)["gen_ai.request.model"]).toBe("gpt-4o");
      // Each log record carries its span's ids.
      expect(records[0]?.spanId).toBe(chat?.spanId);
      expect(records[0]?.traceId).toBe(chat?.traceId);
    });
  }

  it("rejects with the endpoint and the cause when the collector refuses", async () => {
    receiver.failWith(400);
    await expect(
      exportOtlp(events, { endpoint: receiver.url, protocol: "http/json", logs: false }),
    ).rejects.toThrow(/\/v1\/traces did not accept 2 record\(s\)/);
  });

  it("refuses a bad endpoint or protocol before sending anything", async () => {
    await expect(exportOtlp(events, { endpoint: "localhost:4318" })).rejects.toThrow(
      /not an http\(s\) URL/,
    );
    await expect(
      exportOtlp(events, { endpoint: receiver.url, protocol: "thrift" as "http/json" }),
    ).rejects.toThrow(/"thrift" is not supported; use "http\/protobuf", "http\/json" or "grpc"/);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("toOtlpJsonLines", () => {
  it("writes one OTLP/JSON export request per line, traces then logs", async () => {
    const text = await toOtlpJsonLines(events, { serviceName: "file-export" });
    const lines = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    expect(lines).toHaveLength(2);
    expect(spansOf(lines[0] as Json).map((span) => span.name)).toEqual([
      "chat gpt-4o",
      "embeddings text-embedding-004",
    ]);
    expect(logsOf(lines[1] as Json)).toHaveLength(2);
    expect(await toOtlpJsonLines([])).toBe("");
  });
});
