import { describe, expect, it } from "vitest";
import { createMeter } from "../../meter/create-meter.ts";
import { silentDiagnostics } from "../../meter/diagnostics.ts";
import type { UsageEvent } from "../../usage/usage-event.ts";
import {
  claimProviderCall,
  createRecordingScope,
  currentRecordingScope,
  runInRecordingScope,
  wasRecordedByProviderSdk,
} from "./recording-scope.ts";

function testMeter() {
  const events: UsageEvent[] = [];
  const meter = createMeter({
    sinks: [(event) => void events.push(event)],
    diagnostics: silentDiagnostics,
    pricing: false,
    store: false,
    configContext: { env: {}, cwd: "/nonexistent" },
  });
  return { meter, events };
}

describe("recording scope", () => {
  it("is claimed by any llmeter call inside it, across awaits, and links the event", async () => {
    const { meter, events } = testMeter();
    const scope = createRecordingScope("langchain", { "langchain.run_id": "run-1" });
    await runInRecordingScope(scope, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await meter.track({ provider: "openai", model: "gpt-4o-mini" }, async () => {});
    });
    await meter.flush();

    expect(scope.claimedCalls).toBeGreaterThan(0);
    expect(events[0]?.attributes?.["langchain.run_id"]).toBe("run-1");
  });

  it("is not claimed by calls made outside it, nor leaks out", async () => {
    const { meter } = testMeter();
    const scope = createRecordingScope("ai-sdk");
    await runInRecordingScope(scope, async () => {});
    meter.recordLlm({ provider: "openai", model: "gpt-4o-mini" });
    expect(scope.claimedCalls).toBe(0);
    expect(currentRecordingScope()).toBeUndefined();
  });

  it("nests: the innermost scope is claimed", async () => {
    const { meter } = testMeter();
    const outer = createRecordingScope("ai-sdk");
    const inner = createRecordingScope("ai-sdk");
    runInRecordingScope(outer, () =>
      runInRecordingScope(inner, () => meter.recordLlm({ provider: "x", model: "y" })),
    );
    expect(inner.claimedCalls).toBeGreaterThan(0);
    expect(outer.claimedCalls).toBe(0);
  });

  it("explicit claims name a scope and remember response ids", () => {
    const scope = createRecordingScope("langchain", { "langchain.run_id": "r" });
    expect(claimProviderCall({ scope, requestId: "chatcmpl-abc" })).toEqual({
      "langchain.run_id": "r",
    });
    expect(scope.claimedCalls).toBe(1);
    expect(wasRecordedByProviderSdk("chatcmpl-abc")).toBe(true);
    expect(wasRecordedByProviderSdk("chatcmpl-other")).toBe(false);
    expect(claimProviderCall({ requestId: "msg_1" })).toBeUndefined();
  });

  it("forgets the oldest response ids past its bound", () => {
    claimProviderCall({ requestId: "first-id" });
    for (let index = 0; index < 3000; index += 1) claimProviderCall({ requestId: `id-${index}` });
    expect(wasRecordedByProviderSdk("first-id")).toBe(false);
    expect(wasRecordedByProviderSdk("id-2999")).toBe(true);
  });
});
