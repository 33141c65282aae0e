import { describe, expect, it } from "vitest";
import { genAiSpanEvent } from "./genai-span-event.ts";
import type { ReceivedSpan, ReceivedValue } from "./received-spans.ts";

const START = 1_765_000_000_000_000_000n; // 2025-12-06T05:46:40Z in nanoseconds

function span(attributes: Record<string, ReceivedValue>, overrides: Partial<ReceivedSpan> = {}) {
  return {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    name: "chat gpt-4o-mini",
    startTimeUnixNano: START,
    endTimeUnixNano: START + 1_250_000_000n,
    attributes: new Map(Object.entries(attributes)),
    statusCode: 0,
    ...overrides,
  } satisfies ReceivedSpan;
}

const none = new Map<string, ReceivedValue>();

function eventOf(received: ReceivedSpan, resource = none) {
  const outcome = genAiSpanEvent(received, resource);
  if (outcome.kind !== "event")
    throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

describe("genAiSpanEvent", () => {
  it("reads the current GenAI names: provider, models, tokens, cache, time, id", () => {
    const event = eventOf(
      span({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.cache_write.input_tokens": 150,
        "gen_ai.usage.reasoning.output_tokens": 40,
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"secret"}]}]',
      }),
    );
    expect(event).toEqual({
      id: "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
      kind: "llm",
      operation: "chat",
      provider: "openai",
      model: "gpt-4o-mini",
      responseModel: "gpt-4o-mini-2024-07-18",
      timestamp: 1_765_000_000_000,
      latencyMs: 1250,
      inputTokens: 1200,
      outputTokens: 300,
      cacheReadTokens: 1000,
      cacheWriteTokens: 150,
      reasoningTokens: 40,
      success: true,
      requestId: "chatcmpl-1",
      finishReasons: ["stop"],
    });
    expect(JSON.stringify(event)).not.toContain("secret");
  });

  it("reads the previous names: gen_ai.system, prompt_tokens, completion_tokens, cache_creation", () => {
    const event = eventOf(
      span({
        "gen_ai.system": "gcp.vertex_ai",
        "gen_ai.request.model": "gemini-2.5-flash",
        "gen_ai.usage.prompt_tokens": 800,
        "gen_ai.usage.completion_tokens": 120,
        "gen_ai.usage.cache_creation.input_tokens": 64,
      }),
    );
    expect(event).toMatchObject({
      provider: "vertex",
      model: "gemini-2.5-flash",
      operation: "chat",
      inputTokens: 800,
      outputTokens: 120,
      cacheWriteTokens: 64,
    });
  });

  it("prefers the current name when a span carries both", () => {
    const event = eventOf(
      span({
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.system": "bedrock-old",
        "gen_ai.request.model": "anthropic.claude-3-haiku",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.prompt_tokens": 99,
      }),
    );
    expect(event).toMatchObject({ provider: "bedrock", inputTokens: 10 });
  });

  it("attributes from the span, then the resource, and keeps service.name", () => {
    const event = eventOf(
      span({
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "llmeter.tenant.id": "acme",
        "llmeter.attributes.feature": "search",
      }),
      new Map<string, ReceivedValue>([
        ["service.name", "checkout"],
        ["llmeter.tenant.id", "ignored-span-wins"],
        ["llmeter.user.id", "u-7"],
        ["session.id", "s-1"],
      ]),
    );
    expect(event).toMatchObject({
      tenantId: "acme",
      userId: "u-7",
      sessionId: "s-1",
      attributes: { "service.name": "checkout", feature: "search" },
    });
  });

  it("records a failed call from the span status or error.type", () => {
    expect(
      eventOf(
        span(
          { "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o" },
          { statusCode: 2 },
        ),
      ),
    ).toMatchObject({ success: false, errorType: "_OTHER" });
    expect(
      eventOf(
        span({
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o",
          "error.type": "RateLimitError",
        }),
      ),
    ).toMatchObject({ success: false, errorType: "RateLimitError" });
  });

  it("ignores spans without GenAI attributes and agent or tool spans", () => {
    expect(genAiSpanEvent(span({ "http.request.method": "POST" }), none)).toEqual({
      kind: "ignored",
    });
    expect(
      genAiSpanEvent(
        span({
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.usage.input_tokens": 5000,
        }),
        none,
      ),
    ).toEqual({ kind: "ignored" });
  });

  it("rejects GenAI spans it cannot record, saying why", () => {
    const reject = (received: ReceivedSpan) => genAiSpanEvent(received, none);
    expect(reject(span({ "gen_ai.provider.name": "openai" }))).toMatchObject({
      kind: "rejected",
      reason: expect.stringMatching(/gen_ai\.request\.model/),
    });
    expect(
      reject(
        span({ "gen_ai.provider.name": "openai", "gen_ai.request.model": "x" }, { spanId: "" }),
      ),
    ).toMatchObject({ kind: "rejected", reason: expect.stringMatching(/span id/) });
    expect(
      reject(
        span({
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "x",
          "gen_ai.usage.input_tokens": -3,
        }),
      ),
    ).toMatchObject({ kind: "rejected", reason: expect.stringMatching(/input_tokens is -3/) });
  });

  it("reads back what llmeter's own spans carry (kind, cached, tier, attribution)", () => {
    const event = eventOf(
      span({
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "azure.ai.openai",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.usage.input_tokens": 42,
        "llmeter.kind": "embedding",
        "llmeter.service_tier": "batch",
        "llmeter.cached": false,
        "llmeter.session.id": "sess",
        "llmeter.organization.id": "org",
        "server.address": "example.openai.azure.com",
        "server.port": 443,
      }),
    );
    expect(event).toMatchObject({
      kind: "embedding",
      provider: "azure",
      serviceTier: "batch",
      cached: false,
      sessionId: "sess",
      organizationId: "org",
      serverAddress: "example.openai.azure.com",
      serverPort: 443,
    });
  });
});
