import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/resolve-config.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import { withAttribution } from "./attribution.ts";
import { createMeter, type MeterOptions } from "./create-meter.ts";
import type { DiagnosticLevel } from "./diagnostics.ts";
import { createNoopMeter } from "./noop-meter.ts";

const NO_FILE_ENV = { env: { LLMETER_CONFIG: "none" } };

/** A meter with a collecting sink and collected diagnostics, isolated from env and files. */
function createTestMeter(options: MeterOptions = {}) {
  const events: UsageEvent[] = [];
  const diagnostics: Array<{ level: DiagnosticLevel; message: string }> = [];
  const meter = createMeter({
    configContext: NO_FILE_ENV,
    diagnostics: (level, message) => diagnostics.push({ level, message }),
    ...options,
    sinks: [(event) => void events.push(event), ...(options.sinks ?? [])],
  });
  return { meter, events, diagnostics };
}

describe("meter.track", () => {
  it("passes a sync return value through and records the call", async () => {
    const { meter, events } = createTestMeter();
    const result = meter.track({ provider: "OpenAI", model: "gpt-4o" }, (tracker) => {
      tracker.setTokens({ inputTokens: 100, outputTokens: 20, cacheReadTokens: 40 });
      return 42;
    });
    expect(result).toBe(42);
    await meter.flush();
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({
      provider: "openai",
      model: "gpt-4o",
      kind: "llm",
      operation: "chat",
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 40,
      totalTokens: 120,
      success: true,
    });
    expect(event.latencyMs).toBeGreaterThanOrEqual(0);
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(event.timestamp)).not.toBeNaN();
  });

  it("awaits async work and measures its latency", async () => {
    const { meter, events } = createTestMeter();
    const result = await meter.track({ provider: "anthropic", model: "claude" }, async () => {
      await sleep(30);
      return "done";
    });
    expect(result).toBe("done");
    await meter.flush();
    expect(events[0]!.latencyMs).toBeGreaterThanOrEqual(25);
  });

  it("records a sync error and re-throws the very same error", async () => {
    const { meter, events } = createTestMeter();
    const thrown = new TypeError("bad input");
    let caught: unknown;
    try {
      meter.track({ provider: "openai", model: "gpt-4o" }, () => {
        throw thrown;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(thrown);
    await meter.flush();
    expect(events[0]).toMatchObject({
      success: false,
      errorType: "TypeError",
      errorMessage: "bad input",
    });
  });

  it("records an async rejection with the error's class name and re-throws it", async () => {
    const { meter, events } = createTestMeter();
    class RateLimitError extends Error {}
    const thrown = new RateLimitError("slow down");
    await expect(
      meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
        tracker.setTokens({ inputTokens: 10 });
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    await meter.flush();
    expect(events[0]).toMatchObject({
      success: false,
      errorType: "RateLimitError",
      inputTokens: 10,
    });
  });

  it("stamps time to first token once, between start and end", async () => {
    const { meter, events } = createTestMeter();
    await meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
      await sleep(20);
      tracker.chunk();
      await sleep(20);
      tracker.chunk();
      tracker.firstToken();
      tracker.chunk();
    });
    await meter.flush();
    const event = events[0]!;
    expect(event.streaming).toBe(true);
    expect(event.chunks).toBe(3);
    expect(event.timeToFirstTokenMs).toBeGreaterThanOrEqual(15);
    expect(event.timeToFirstTokenMs).toBeLessThan(event.latencyMs! - 15);
  });

  it("keeps a caller-measured time to first token and cost", async () => {
    const { meter, events } = createTestMeter();
    meter.track({ provider: "x", model: "y" }, (tracker) => {
      tracker.setStreaming({ timeToFirstTokenMs: 123, chunks: 9 });
      tracker.setCost(0.25, { input: 0.2, output: 0.05 });
      tracker.setCached(true);
      tracker.setResponse({ responseModel: "y-2025", requestId: "req_1", serviceTier: "flex" });
      tracker.setAttributes({ feature: "search" });
    });
    await meter.flush();
    expect(events[0]).toMatchObject({
      timeToFirstTokenMs: 123,
      chunks: 9,
      costUsd: 0.25,
      costBreakdown: { input: 0.2, output: 0.05 },
      priceSource: "manual",
      cached: true,
      responseModel: "y-2025",
      requestId: "req_1",
      serviceTier: "flex",
      attributes: { feature: "search" },
    });
  });
});

describe("meter.start", () => {
  it("records once when ended, however often end() is called", async () => {
    const { meter, events } = createTestMeter();
    const handle = meter.start({ provider: "google", model: "gemini-2.5-flash" });
    handle.setTokens({ inputTokens: 5, outputTokens: 7 });
    handle.end();
    handle.end();
    await meter.flush();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: "google", totalTokens: 12 });
  });
});

describe("meter.record", () => {
  it("records finished calls of every kind with their defaults", async () => {
    const { meter, events } = createTestMeter();
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
    meter.recordEmbedding({ provider: "openai", model: "text-embedding-3-small", inputTokens: 8 });
    meter.recordOcr({ provider: "azure", model: "prebuilt-read", pages: 3 });
    meter.record({ provider: "local", model: "whisper", kind: "other", audioSeconds: 1.5 });
    await meter.flush();
    expect(events.map((event) => [event.kind, event.operation])).toEqual([
      ["llm", "chat"],
      ["embedding", "embeddings"],
      ["ocr", "ocr"],
      ["other", "other"],
    ]);
    expect(events[2]!.pages).toBe(3);
    expect(events[3]!.audioSeconds).toBe(1.5);
  });

  it("does not see changes the caller makes to its object afterwards", async () => {
    const { meter, events } = createTestMeter();
    const input = { provider: "openai", model: "gpt-4o", inputTokens: 1 };
    meter.record(input);
    input.inputTokens = 999;
    await meter.flush();
    expect(events[0]!.inputTokens).toBe(1);
  });

  it("accepts a timestamp as a Date or epoch ms", async () => {
    const { meter, events } = createTestMeter();
    meter.record({ provider: "a", model: "b", timestamp: new Date("2026-01-02T03:04:05Z") });
    meter.record({ provider: "a", model: "b", timestamp: Date.UTC(2026, 0, 2) });
    await meter.flush();
    expect(events.map((event) => event.timestamp)).toEqual([
      "2026-01-02T03:04:05.000Z",
      "2026-01-02T00:00:00.000Z",
    ]);
  });

  it("cleans bad values and reports each kind of problem once, never throwing", async () => {
    const { meter, events, diagnostics } = createTestMeter();
    const attributes = JSON.parse('{"__proto__": {"polluted": true}, "ok": "yes"}');
    for (let index = 0; index < 3; index++) {
      meter.record({
        provider: "openai",
        model: "gpt-4o",
        inputTokens: -5,
        outputTokens: Number.NaN,
        attributes,
      });
    }
    await meter.flush();
    expect(events).toHaveLength(3);
    expect(events[0]!.inputTokens).toBeUndefined();
    expect(events[0]!.outputTokens).toBeUndefined();
    expect(events[0]!.attributes).toEqual({ ok: "yes" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const messages = diagnostics.map((entry) => entry.message);
    expect(messages.filter((message) => message.includes("inputTokens"))).toHaveLength(1);
    expect(messages.filter((message) => message.includes("outputTokens"))).toHaveLength(1);
    expect(meter.getHealth().corrected).toBe(3);
  });
});

describe("attribution", () => {
  it("is carried across await and kept apart between concurrent tasks", async () => {
    const { meter, events } = createTestMeter({
      attributes: { organizationId: "org-1", app: "demo" },
    });
    const task = (tenantId: string, delayMs: number) =>
      withAttribution({ tenantId, userId: `${tenantId}-user`, feature: "chat" }, async () => {
        await sleep(delayMs);
        await meter.track({ provider: "openai", model: "gpt-4o" }, async () => {
          await sleep(delayMs);
        });
        await withAttribution(
          { sessionId: `${tenantId}-session`, feature: "summary" },
          async () => {
            await sleep(1);
            meter.recordLlm({ provider: "openai", model: "gpt-4o" });
          },
        );
      });
    await Promise.all([task("acme", 15), task("globex", 5)]);
    await meter.flush();
    const byTenant = (tenantId: string) => events.filter((event) => event.tenantId === tenantId);
    expect(byTenant("acme")).toHaveLength(2);
    expect(byTenant("globex")).toHaveLength(2);
    for (const event of events) {
      expect(event.userId).toBe(`${event.tenantId}-user`);
      expect(event.organizationId).toBe("org-1");
      expect(event.attributes?.app).toBe("demo");
    }
    const nested = events.filter((event) => event.sessionId !== undefined);
    expect(nested.map((event) => event.sessionId).sort()).toEqual([
      "acme-session",
      "globex-session",
    ]);
    for (const event of nested) expect(event.attributes?.feature).toBe("summary");
  });

  it("lets per-call attribution win over the context", async () => {
    const { meter, events } = createTestMeter();
    await withAttribution({ tenantId: "outer" }, async () => {
      meter.track({ provider: "a", model: "b", tenantId: "inner" }, () => {});
    });
    await meter.flush();
    expect(events[0]!.tenantId).toBe("inner");
  });
});

describe("sinks", () => {
  it("a throwing sink changes nothing for the caller or the other sinks, and is reported once", async () => {
    const received: string[] = [];
    const { meter, diagnostics } = createTestMeter({
      sinks: [
        function brokenSink() {
          throw new Error("disk on fire");
        },
        (event) => void received.push(event.model),
      ],
    });
    for (let index = 0; index < 5; index++) {
      const value = meter.track({ provider: "a", model: `m${index}` }, () => index * 2);
      expect(value).toBe(index * 2);
    }
    await meter.flush();
    expect(received).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    const health = meter.getHealth();
    expect(health.sinkFailures.brokenSink).toBe(5);
    expect(health.droppedBySink.brokenSink).toBe(5);
    expect(diagnostics.filter((entry) => entry.message.includes("brokenSink"))).toHaveLength(1);
  });

  it("awaits an async callback sink event by event, and counts the one that rejects", async () => {
    const order: string[] = [];
    const { meter } = createTestMeter({
      sinks: [
        async function slowCallback(event) {
          order.push(`start ${event.model}`);
          await sleep(5);
          if (event.model === "two") throw new Error("store unavailable");
          order.push(`end ${event.model}`);
        },
      ],
    });
    for (const model of ["one", "two", "three"]) meter.recordLlm({ provider: "a", model });
    await meter.flush();
    expect(order).toEqual(["start one", "end one", "start two", "start three", "end three"]);
    expect(meter.getHealth().sinkFailures.slowCallback).toBe(1);
    expect(meter.getHealth().droppedBySink.slowCallback).toBe(1);
  });

  it("a sink that never answers does not hold up the others; flush can time out", async () => {
    const received: string[] = [];
    const { meter } = createTestMeter({
      sinks: [
        { name: "hanging", write: () => new Promise<void>(() => {}) },
        (event) => void received.push(event.model),
      ],
    });
    meter.recordLlm({ provider: "a", model: "one" });
    meter.recordLlm({ provider: "a", model: "two" });
    await meter.flush({ timeoutMs: 50 });
    expect(received).toEqual(["one", "two"]);
  });

  it("retries a failing batch sink and delivers once it recovers", async () => {
    let attempts = 0;
    const written: UsageEvent[] = [];
    const { meter } = createTestMeter({
      sinks: [
        {
          name: "flaky",
          write(events) {
            attempts += 1;
            if (attempts < 3) throw new Error("temporarily down");
            written.push(...events);
          },
        },
      ],
    });
    meter.recordLlm({ provider: "a", model: "b" });
    await meter.flush();
    expect(attempts).toBe(3);
    expect(written).toHaveLength(1);
    expect(meter.getHealth().droppedBySink.flaky).toBe(0);
  });

  it("drops and counts events beyond a slow sink's buffer", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { meter } = createTestMeter({
      maxBufferedEvents: 2,
      sinks: [{ name: "slow", batchSize: 1, write: () => gate }],
    });
    meter.getHealth();
    for (let index = 0; index < 6; index++) meter.recordLlm({ provider: "a", model: "b" });
    const dropped = meter.getHealth().droppedBySink.slow!;
    release();
    await meter.flush();
    // The first event is being written, two wait in the buffer, the other three were dropped.
    expect(dropped).toBe(3);
  });

  it("runs sinks off the caller's stack", async () => {
    let sinkRan = false;
    const { meter } = createTestMeter({
      sinks: [
        () => {
          sinkRan = true;
        },
      ],
    });
    meter.track({ provider: "a", model: "b" }, () => {});
    expect(sinkRan).toBe(false);
    await meter.flush();
    expect(sinkRan).toBe(true);
  });
});

describe("pricing", () => {
  it("prices events without a cost and keeps a caller's cost", async () => {
    const { meter, events } = createTestMeter({
      pricing: {
        priceEvent: (event) =>
          event.model === "known"
            ? {
                costUsd: (event.inputTokens ?? 0) * 1e-6,
                breakdown: { input: (event.inputTokens ?? 0) * 1e-6 },
                source: "catalog",
                entryId: "test/known",
                catalogVersion: "v1",
              }
            : null,
      },
    });
    meter.recordLlm({ provider: "p", model: "known", inputTokens: 1000 });
    meter.recordLlm({ provider: "p", model: "unknown", inputTokens: 1000 });
    meter.recordLlm({ provider: "p", model: "known", inputTokens: 1000, costUsd: 5 });
    await meter.flush();
    expect(events[0]).toMatchObject({
      costUsd: 0.001,
      priceSource: "catalog",
      priceEntryId: "test/known",
      catalogVersion: "v1",
    });
    expect(events[1]!.costUsd).toBeUndefined();
    expect(events[2]).toMatchObject({ costUsd: 5, priceSource: "manual" });
    const stats = meter.getStats({ period: "all" });
    expect(stats.unpricedRequests).toBe(1);
    expect(stats.totalCostUsd).toBeCloseTo(5.001, 10);
    expect(meter.getHealth()).toMatchObject({ priced: 1, unpriced: 1 });
  });
});

describe("stats", () => {
  const NOW = Date.parse("2026-11-22T12:00:00Z");
  const ago = (minutes: number) => NOW - minutes * 60_000;

  function seededMeter(maxHistory?: number) {
    const { meter } = createTestMeter({ now: () => NOW, maxHistory });
    const rows = [
      {
        provider: "openai",
        model: "gpt-4o",
        tenantId: "acme",
        userId: "u1",
        latencyMs: 100,
        costUsd: 0.1,
        inputTokens: 1000,
        outputTokens: 100,
        cacheReadTokens: 200,
        timeToFirstTokenMs: 40,
        minutes: 10,
      },
      {
        provider: "openai",
        model: "gpt-4o",
        tenantId: "acme",
        userId: "u2",
        latencyMs: 200,
        costUsd: 0.2,
        inputTokens: 2000,
        outputTokens: 200,
        reasoningTokens: 50,
        minutes: 20,
      },
      {
        provider: "anthropic",
        model: "claude",
        tenantId: "globex",
        userId: "u3",
        latencyMs: 300,
        costUsd: 0.3,
        inputTokens: 3000,
        outputTokens: 300,
        cacheWrite5mTokens: 100,
        cacheWrite1hTokens: 50,
        timeToFirstTokenMs: 80,
        minutes: 30,
      },
      {
        provider: "anthropic",
        model: "claude",
        tenantId: "globex",
        userId: "u3",
        latencyMs: 400,
        success: false,
        errorType: "RateLimitError",
        minutes: 40,
      },
      {
        provider: "openai",
        model: "gpt-4o",
        tenantId: "acme",
        userId: "u1",
        latencyMs: 1000,
        costUsd: 1,
        inputTokens: 1,
        outputTokens: 1,
        minutes: 60 * 30,
      },
    ];
    for (const { minutes, ...row } of rows) meter.recordLlm({ ...row, timestamp: ago(minutes) });
    return meter;
  }

  it("computes every field from the window, checked against hand-computed values", () => {
    const stats = seededMeter().getStats({ period: "24h" });
    expect(stats.period).toEqual({
      name: "24h",
      since: "2026-11-21T12:00:00.000Z",
      until: "2026-11-22T12:00:00.000Z",
    });
    expect(stats).toMatchObject({
      totalRequests: 4,
      successfulRequests: 3,
      failedRequests: 1,
      successRate: 0.75,
      unpricedRequests: 1,
      totalInputTokens: 6000,
      totalOutputTokens: 600,
      totalTokens: 6600,
      totalCacheReadTokens: 200,
      totalCacheWriteTokens: 150,
      totalReasoningTokens: 50,
      errorsByType: { RateLimitError: 1 },
    });
    expect(stats.totalCostUsd).toBeCloseTo(0.6, 12);
    expect(stats.avgCostPerRequest).toBeCloseTo(0.15, 12);
    // Latencies 100, 200, 300, 400 with linear interpolation (percentile_cont).
    expect(stats.latencyP50).toBeCloseTo(250, 9);
    expect(stats.latencyP95).toBeCloseTo(385, 9);
    expect(stats.latencyP99).toBeCloseTo(397, 9);
    expect(stats.avgLatencyMs).toBeCloseTo(250, 9);
    expect(stats.timeToFirstTokenP50).toBeCloseTo(60, 9);
    expect(stats.timeToFirstTokenP95).toBeCloseTo(78, 9);
    expect(Object.keys(stats.byProvider).sort()).toEqual(["anthropic", "openai"]);
    expect(stats.byProvider.openai).toMatchObject({ totalRequests: 2, totalInputTokens: 3000 });
    expect(stats.byProvider.openai!.totalCostUsd).toBeCloseTo(0.3, 12);
    expect(stats.byProvider.openai!.costSharePercent).toBeCloseTo(50, 9);
    expect(stats.byModel.claude).toMatchObject({ totalRequests: 2, failedRequests: 1 });
    expect(stats.byTenant.acme!.totalRequests).toBe(2);
    expect(stats.byUser.u3!.totalRequests).toBe(2);
  });

  it("filters by tenant, user, provider and model, and widens with the period", () => {
    const meter = seededMeter();
    expect(meter.getTenantStats("acme").totalRequests).toBe(2);
    expect(meter.getTenantStats("acme", { period: "7d" }).totalRequests).toBe(3);
    expect(meter.getStats({ userId: "u3" }).totalRequests).toBe(2);
    expect(meter.getStats({ provider: "anthropic", model: "claude" }).failedRequests).toBe(1);
    expect(meter.getStats({ period: "1h" }).totalRequests).toBe(4);
    expect(meter.getStats({ period: "15m" }).totalRequests).toBe(1);
    expect(meter.getStats({ period: "all" }).totalRequests).toBe(5);
  });

  it("gives each provider's and model's share of the cost", () => {
    const report = seededMeter().getCostBreakdown({ period: "24h" });
    expect(report.totalRequests).toBe(4);
    const anthropic = report.byProvider.find((share) => share.key === "anthropic")!;
    expect(anthropic.sharePercent).toBeCloseTo(50, 9);
    expect(anthropic.avgCostPerRequest).toBeCloseTo(0.15, 12);
    expect(report.byModel.map((share) => share.key)).toEqual(["claude", "gpt-4o"]);
  });

  it("keeps only the newest maxHistory events", () => {
    const stats = seededMeter(2).getStats({ period: "all" });
    expect(stats.totalRequests).toBe(2);
    expect(stats.latencyP50).toBeCloseTo(700, 9);
  });

  it("rejects an unknown period with a message that says what is accepted", () => {
    expect(() => seededMeter().getStats({ period: "fortnight" })).toThrow(/1h, 24h, 7d or 30d/);
  });

  it("adds many small costs without float drift", () => {
    const { meter } = createTestMeter();
    for (let index = 0; index < 1000; index++)
      meter.recordLlm({ provider: "a", model: "b", costUsd: 0.001 });
    expect(meter.getStats().totalCostUsd).toBe(1);
  });
});

describe("enabled switch and configuration", () => {
  it("disabled, the meter is the no-op object and track just calls fn", () => {
    const meter = createMeter({ enabled: false, configContext: NO_FILE_ENV });
    expect(meter).toBe(createNoopMeter());
    expect(meter.enabled).toBe(false);
    expect(meter.track({ provider: "a", model: "b" }, () => "ran")).toBe("ran");
    meter.recordLlm({ provider: "a", model: "b" });
    expect(meter.getStats().totalRequests).toBe(0);
  });

  it("LLMETER_ENABLED=false disables it", () => {
    const meter = createMeter({
      configContext: { env: { ...NO_FILE_ENV.env, LLMETER_ENABLED: "false" } },
    });
    expect(meter.enabled).toBe(false);
  });

  it("a bad environment value fails with the variable's name and what is expected", () => {
    expect(() =>
      createMeter({ configContext: { env: { ...NO_FILE_ENV.env, LLMETER_MAX_HISTORY: "lots" } } }),
    ).toThrow(ConfigError);
    expect(() =>
      createMeter({ configContext: { env: { ...NO_FILE_ENV.env, LLMETER_MAX_HISTORY: "lots" } } }),
    ).toThrow(/LLMETER_MAX_HISTORY.*whole number/);
  });
});

describe("attribution of handles", () => {
  it("is taken where the call starts, even when end() runs in another context", async () => {
    const { meter, events } = createTestMeter();
    const handle = withAttribution({ tenantId: "starter" }, () =>
      meter.start({ provider: "a", model: "b" }),
    );
    withAttribution({ tenantId: "someone-else" }, () => handle.end());
    await meter.flush();
    expect(events[0]!.tenantId).toBe("starter");
  });
});

describe("meter.ingest", () => {
  it("prices received calls by their own attribution, without the caller's context or the instrumentations", async () => {
    const finished: UsageEvent[] = [];
    const { meter, events } = createTestMeter({
      attributes: { organizationId: "static-org" },
      instrumentations: [
        {
          name: "spy",
          captureContext: () => ({}),
          finish: (event) => void finished.push(event),
        },
      ],
    });
    withAttribution({ tenantId: "the-receivers-own-context" }, () =>
      meter.ingest([
        { id: "span-1", provider: "openai", model: "gpt-4o", inputTokens: 1000, userId: "u" },
      ]),
    );
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
    await meter.flush();
    expect(events[0]).toMatchObject({ id: "span-1", userId: "u", organizationId: "static-org" });
    expect(events[0]!.tenantId).toBeUndefined();
    expect(events[0]!.costUsd).toBeGreaterThan(0);
    // Only the recorded call reached the instrumentation: a received span is never re-exported.
    expect(finished.map((event) => event.id)).toEqual([events[1]!.id]);
  });
});
