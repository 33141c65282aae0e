import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csvHeader, csvRow } from "../../src/cli/transfer/event-csv.ts";
import { eventAttributes } from "../../src/otel/event-attributes.ts";
import { openStore } from "../../src/store/open-store.ts";
import { normalizeUsageEvent } from "../../src/usage/normalize-usage-event.ts";

const { event } = normalizeUsageEvent({
  id: "evt-tools-1",
  timestamp: "2026-12-07T12:00:00.000Z",
  provider: "anthropic",
  model: "claude-opus-4-1",
  inputTokens: 1000,
  outputTokens: 200,
  toolCalls: { webSearch: 2, webFetch: 1 },
  costUsd: 0.05,
  costBreakdown: { input: 0.015, output: 0.015, tools: 0.02 },
});

describe("toolCalls beyond the meter", () => {
  it("is kept by the SQLite ledger with the tools breakdown unit", async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), "llmeter-tools-")), "usage.db"));
    try {
      await store.append([event]);
      const stored = [];
      for await (const item of store.events()) stored.push(item);
      expect(stored[0]?.toolCalls).toEqual({ webSearch: 2, webFetch: 1 });
      expect(stored[0]?.costBreakdown?.tools).toBe(0.02);
    } finally {
      await store.close();
    }
  });

  it("is a JSON cell in the CSV export", () => {
    const header = csvHeader().trimEnd().split(",");
    const column = header.indexOf("toolCalls");
    expect(column).toBeGreaterThan(-1);
    expect(csvRow(event)).toContain('"{""webSearch"":2,""webFetch"":1}"');
  });

  it("becomes llmeter.tool_calls.* OpenTelemetry attributes", () => {
    const attributes = eventAttributes(event, { legacyAttributes: false, captureContent: false });
    expect(attributes["llmeter.tool_calls.webSearch"]).toBe(2);
    expect(attributes["llmeter.tool_calls.webFetch"]).toBe(1);
  });
});
