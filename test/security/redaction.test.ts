// The redactAttributes hook: attributes are rewritten before the ledger, sinks and spans see them;
// a throwing hook fails closed (attributes dropped, reported once).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeter, type MeterOptions } from "../../src/meter/create-meter.ts";
import { createOtelInstrumentation } from "../../src/otel/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import {
  createOtelTestKit,
  installContextManager,
  type OtelTestKit,
} from "../otel/otel-test-kit.ts";

const EMAIL = "alice.canary@example.com";
let kit: OtelTestKit;
let removeContextManager: () => void;
beforeAll(() => {
  removeContextManager = installContextManager();
  kit = createOtelTestKit();
});
afterAll(async () => {
  await kit.shutdown();
  removeContextManager();
});

async function run(redactAttributes: MeterOptions["redactAttributes"]) {
  kit.spans.reset();
  const folder = mkdtempSync(join(tmpdir(), "llmeter-redact-"));
  const events: UsageEvent[] = [];
  const diagnostics: string[] = [];
  const meter = createMeter({
    ledger: join(folder, "usage.db"),
    configContext: { env: {}, cwd: folder },
    sinks: [(event) => events.push(event)],
    diagnostics: (level, message) => diagnostics.push(`${level}: ${message}`),
    instrumentations: [
      createOtelInstrumentation({
        tracerProvider: kit.tracerProvider,
        metrics: false,
        logs: false,
      }),
    ],
    redactAttributes,
  });
  for (let index = 0; index < 3; index++) {
    await meter.track(
      { provider: "openai", model: "gpt-4o", attributes: { email: EMAIL, feature: "chat" } },
      async (tracker) => {
        tracker.setTokens({ inputTokens: 5, outputTokens: 1 });
      },
    );
  }
  await meter.shutdown();
  const files = readdirSync(folder)
    .map((file) => readFileSync(join(folder, file)).toString("latin1"))
    .join("\n");
  const spans = JSON.stringify(kit.spans.getFinishedSpans().map((span) => span.attributes));
  return { events, diagnostics, files, spans };
}

describe("redactAttributes", () => {
  it("without a hook, attributes reach the sinks and spans (the searches below are not vacuous)", async () => {
    const { events, spans } = await run(undefined);
    expect(events[0]?.attributes?.email).toBe(EMAIL);
    expect(spans).toContain(EMAIL);
  });

  it("removes what the hook removes from the ledger, sinks and spans, and keeps the rest", async () => {
    const { events, files, spans } = await run(({ email: _email, ...rest }) => rest);
    expect(events).toHaveLength(3);
    for (const event of events) expect(event.attributes).toEqual({ feature: "chat" });
    expect(files).not.toContain(EMAIL);
    expect(spans).not.toContain(EMAIL);
    expect(spans).toContain("chat");
  });

  it("a throwing hook drops the attributes (fails closed) and is reported once", async () => {
    const { events, files, spans, diagnostics } = await run(() => {
      throw new Error("bug in the hook");
    });
    expect(events).toHaveLength(3);
    for (const event of events) expect(event.attributes).toBeUndefined();
    expect(files).not.toContain(EMAIL);
    expect(spans).not.toContain(EMAIL);
    expect(diagnostics.filter((line) => line.includes("redactAttributes"))).toHaveLength(1);
  });

  it("what the hook returns is validated like any attribute (no __proto__, no objects)", async () => {
    const { events } = await run(() =>
      JSON.parse('{"__proto__": {"polluted": 1}, "nested": {"a": 1}, "ok": "yes"}'),
    );
    for (const event of events) expect(event.attributes).toEqual({ ok: "yes" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
