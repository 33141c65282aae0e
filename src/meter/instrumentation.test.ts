import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, describe, expect, it } from "vitest";
import type { UsageEvent } from "../usage/usage-event.ts";
import { createMeter } from "./create-meter.ts";
import { silentDiagnostics } from "./diagnostics.ts";
import {
  type CallStart,
  type MeterInstrumentation,
  registeredInstrumentations,
  registerInstrumentation,
} from "./instrumentation.ts";

// Stands in for OpenTelemetry's context: a value only the caller's stack can see.
const requestScope = new AsyncLocalStorage<string>();

interface Seen {
  starts: CallStart[];
  finished: Array<{ event: UsageEvent; captured: unknown }>;
  insideCall: Array<string | undefined>;
}

function recordingInstrumentation(seen: Seen): MeterInstrumentation {
  return {
    name: "test",
    captureContext(call) {
      seen.starts.push(call);
      return { request: requestScope.getStore(), phase: call.phase };
    },
    runInContext(captured, fn) {
      return requestScope.run(`span-of-${(captured as { request: string }).request}`, fn);
    },
    finish(event, captured) {
      seen.finished.push({ event, captured });
    },
  };
}

function newSeen(): Seen {
  return { starts: [], finished: [], insideCall: [] };
}

describe("meter instrumentations", () => {
  let unregister: (() => void) | undefined;
  afterEach(() => {
    unregister?.();
    unregister = undefined;
  });

  it("captures on the caller's stack when a tracked call starts and finishes with the priced event", async () => {
    const seen = newSeen();
    const meter = createMeter({
      instrumentations: [recordingInstrumentation(seen)],
      pricing: {
        priceEvent: () => ({ costUsd: 0.25, breakdown: { input: 0.25 }, source: "catalog" }),
      },
      diagnostics: silentDiagnostics,
    });
    const answer = await requestScope.run("request-1", () =>
      meter.track({ provider: "openai", model: "gpt-4o" }, async (tracker) => {
        // The tracked callback runs inside what the instrumentation captured.
        seen.insideCall.push(requestScope.getStore());
        await new Promise((resolve) => setTimeout(resolve, 5));
        tracker.setTokens({ inputTokens: 10, outputTokens: 2 });
        return "answer";
      }),
    );
    expect(answer).toBe("answer");
    expect(seen.starts).toEqual([
      {
        provider: "openai",
        model: "gpt-4o",
        operation: undefined,
        kind: undefined,
        phase: "start",
      },
    ]);
    expect(seen.insideCall).toEqual(["span-of-request-1"]);
    // Nothing is finished on the caller's stack.
    expect(seen.finished).toHaveLength(0);
    await meter.flush();
    expect(seen.finished).toHaveLength(1);
    const [finished] = seen.finished;
    expect(finished?.captured).toEqual({ request: "request-1", phase: "start" });
    expect(finished?.event.costUsd).toBe(0.25);
    expect(finished?.event.inputTokens).toBe(10);
    // The hidden carrier never leaks into the event or its free attributes.
    expect(JSON.stringify(finished?.event)).not.toContain("instrumentationCalls");
  });

  it("captures recorded calls at record time and handles start()/end() handles", async () => {
    const seen = newSeen();
    const meter = createMeter({
      instrumentations: [recordingInstrumentation(seen)],
      diagnostics: silentDiagnostics,
    });
    requestScope.run("request-2", () => {
      meter.recordLlm({ provider: "anthropic", model: "claude", inputTokens: 3 });
      const handle = meter.start({ provider: "google", model: "gemini", operation: "chat" });
      handle.end();
    });
    await meter.flush();
    expect(seen.starts.map((start) => [start.provider, start.phase])).toEqual([
      ["anthropic", "record"],
      ["google", "start"],
    ]);
    expect(seen.finished.map(({ event, captured }) => [event.provider, captured])).toEqual([
      ["anthropic", { request: "request-2", phase: "record" }],
      ["google", { request: "request-2", phase: "start" }],
    ]);
    expect(meter.getStats().byProvider.anthropic?.totalRequests).toBe(1);
  });

  it("uses the process-wide registry unless the meter has its own list", async () => {
    const seen = newSeen();
    const instrumentation = recordingInstrumentation(seen);
    unregister = registerInstrumentation(instrumentation);
    registerInstrumentation(instrumentation);
    expect(registeredInstrumentations()).toEqual([instrumentation]);

    const globalMeter = createMeter({ diagnostics: silentDiagnostics });
    const optedOut = createMeter({ instrumentations: [], diagnostics: silentDiagnostics });
    globalMeter.record({ provider: "openai", model: "a" });
    optedOut.record({ provider: "openai", model: "b" });
    await Promise.all([globalMeter.flush(), optedOut.flush()]);
    expect(seen.finished.map(({ event }) => event.model)).toEqual(["a"]);

    unregister();
    unregister = undefined;
    globalMeter.record({ provider: "openai", model: "c" });
    await globalMeter.flush();
    expect(seen.finished.map(({ event }) => event.model)).toEqual(["a"]);
  });

  it("never lets a broken instrumentation break the call, the sinks or the other instrumentations", async () => {
    const seen = newSeen();
    const problems: string[] = [];
    const broken: MeterInstrumentation = {
      name: "broken",
      captureContext() {
        throw new Error("capture failed");
      },
      finish() {
        throw new Error("finish failed");
      },
    };
    const brokenAtFinish: MeterInstrumentation = {
      name: "broken-at-finish",
      captureContext: () => "ok",
      finish() {
        throw new Error("finish failed");
      },
    };
    const sunk: UsageEvent[] = [];
    const meter = createMeter({
      instrumentations: [broken, brokenAtFinish, recordingInstrumentation(seen)],
      sinks: [(event) => sunk.push(event)],
      diagnostics: (_level, message) => problems.push(message),
    });
    const result = requestScope.run("request-3", () =>
      meter.track({ provider: "openai", model: "gpt" }, () => 42),
    );
    expect(result).toBe(42);
    await meter.flush();
    expect(sunk).toHaveLength(1);
    expect(seen.finished).toHaveLength(1);
    expect(problems.some((message) => message.includes('"broken" failed to capture'))).toBe(true);
    expect(
      problems.some((message) => message.includes('"broken-at-finish" failed to export')),
    ).toBe(true);
  });

  it("skips finish for calls an instrumentation has nothing to do for (captureContext returns undefined)", async () => {
    const finished: string[] = [];
    let active = false;
    const idleUnlessActive: MeterInstrumentation = {
      name: "idle",
      captureContext: () => (active ? "on" : undefined),
      runInContext(_captured, fn) {
        finished.push("ran-inside");
        return fn();
      },
      finish: (event) => finished.push(event.model),
    };
    const meter = createMeter({
      instrumentations: [idleUnlessActive],
      diagnostics: silentDiagnostics,
    });
    meter.track({ provider: "openai", model: "while-idle" }, () => 1);
    active = true;
    meter.track({ provider: "openai", model: "while-active" }, () => 2);
    await meter.flush();
    expect(finished).toEqual(["ran-inside", "while-active"]);
    expect(meter.getStats().totalRequests).toBe(2);
  });

  it("rethrows a tracked callback's error unchanged and finishes a failed event", async () => {
    const seen = newSeen();
    const meter = createMeter({
      instrumentations: [recordingInstrumentation(seen)],
      diagnostics: silentDiagnostics,
    });
    class RateLimitError extends Error {}
    const error = new RateLimitError("slow down");
    await expect(
      requestScope.run("request-4", () =>
        meter.track({ provider: "openai", model: "gpt" }, async () => {
          throw error;
        }),
      ),
    ).rejects.toBe(error);
    await meter.flush();
    expect(seen.finished[0]?.event.success).toBe(false);
    expect(seen.finished[0]?.event.errorType).toBe("RateLimitError");
  });
});
