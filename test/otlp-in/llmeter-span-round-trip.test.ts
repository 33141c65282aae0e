import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportOtlp } from "../../src/otel/export-otlp.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { type GatewayRig, startGatewayRig } from "../gateway/gateway-harness.ts";

/**
 * llmeter's own spans (`llmeter usage export --format otlp`, `exportOtlp`, the same attributes as
 * the live spans of `llmeter/otel`) sent to llmeter's receiver come back as the same calls.
 */

let rig: GatewayRig;
beforeAll(async () => {
  rig = await startGatewayRig();
});
afterAll(async () => rig?.close());

const EVENTS: UsageEvent[] = [
  {
    id: "01937a1e-0000-7000-8000-000000000001",
    timestamp: "2026-12-01T09:00:00.000Z",
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    responseModel: "gpt-4o-mini-2024-07-18",
    requestId: "chatcmpl-round-trip",
    inputTokens: 3000,
    cacheReadTokens: 2048,
    outputTokens: 400,
    reasoningTokens: 0,
    latencyMs: 812,
    streaming: true,
    finishReasons: ["stop"],
    serverAddress: "api.openai.com",
    serverPort: 443,
    success: true,
    tenantId: "acme",
    userId: "u-1",
    sessionId: "s-1",
    organizationId: "org-1",
    attributes: { feature: "search", tier: 2 },
  },
  {
    id: "01937a1e-0000-7000-8000-000000000002",
    timestamp: "2026-12-01T09:01:00.000Z",
    kind: "llm",
    operation: "chat",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    inputTokens: 1200,
    cacheWrite5mTokens: 1000,
    outputTokens: 0,
    latencyMs: 95,
    success: false,
    errorType: "RateLimitError",
    tenantId: "globex",
  },
  {
    id: "01937a1e-0000-7000-8000-000000000003",
    timestamp: "2026-12-01T09:02:00.000Z",
    kind: "embedding",
    operation: "embeddings",
    provider: "google",
    model: "gemini-embedding-001",
    inputTokens: 77,
    latencyMs: 30,
    success: true,
    serviceTier: "batch",
  },
];

describe("llmeter's own spans, received by llmeter", () => {
  it.each(["http/protobuf", "http/json"] as const)("round-trip over %s", async (protocol) => {
    const before = new Set((await rig.ledgerEvents()).map((event) => event.id));
    const sent = await exportOtlp(EVENTS, {
      endpoint: rig.gateway.url,
      protocol,
      logs: false,
      serviceName: "round-trip",
    });
    expect(sent.spans).toBe(3);
    // Oldest first by call time, and the calls' times repeat: the new ones are the new ids.
    const received = (await rig.ledgerEvents()).filter((event) => !before.has(event.id));
    expect(received).toHaveLength(3);
    const byModel = new Map(received.map((event) => [event.model, event]));
    for (const original of EVENTS) {
      const back = byModel.get(original.model)!;
      expect(back).toMatchObject({
        timestamp: original.timestamp,
        kind: original.kind,
        operation: original.operation,
        provider: original.provider,
        inputTokens: original.inputTokens,
        latencyMs: original.latencyMs,
        success: original.success,
        attributes: { ...original.attributes, "service.name": "round-trip" },
      });
      for (const field of [
        "responseModel",
        "requestId",
        "outputTokens",
        "cacheReadTokens",
        "reasoningTokens",
        "streaming",
        "finishReasons",
        "serverAddress",
        "serverPort",
        "errorType",
        "tenantId",
        "userId",
        "sessionId",
        "organizationId",
        "serviceTier",
      ] as const)
        expect(back[field], field).toEqual(original[field]);
    }
    // The conventions have one cache-write count: a 5-minute write comes back as a plain write.
    expect(byModel.get("claude-sonnet-4-5")!.cacheWriteTokens).toBe(1000);
  });
});
