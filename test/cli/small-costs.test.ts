// A real spend under $0.0001 is shown with enough digits to be non-zero, in every table; `$0` is
// kept for a true zero and `—` for a cost nobody knows.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "./cli-harness.ts";

function call(id: number, model: string, cost: Partial<UsageEvent>): UsageEvent {
  return {
    id: `0190a1b2-0000-7000-8000-00000000000${id}`,
    timestamp: `2026-12-0${id}T10:00:00.000Z`,
    kind: "llm",
    operation: "chat",
    provider: "openai",
    model,
    success: true,
    inputTokens: 100,
    outputTokens: 10,
    totalTokens: 110,
    ...cost,
  };
}

let store: UsageStore;
let cwd: string;

beforeEach(async () => {
  store = createMemoryStore();
  await store.append([
    // 100 input tokens of gpt-4.1-nano at $0.10/M and 10 output at $0.40/M: $0.000014.
    call(1, "gpt-4.1-nano", { costUsd: 0.000014, priceSource: "catalog" }),
    call(2, "cached-model", { costUsd: 0, priceSource: "manual", cached: true }),
    call(3, "unknown-model", {}),
  ]);
  cwd = mkdtempSync(join(tmpdir(), "llmeter-cli-small-costs-"));
  writeFileSync(join(cwd, "ledger.db"), "");
});

const options = () => ({ store, cwd, env: { NO_COLOR: "1" } });
const rowOf = (text: string, key: string) => text.split("\n").find((line) => line.includes(key));

describe("small costs in tables", () => {
  it("usage show gives each model's cost non-zero, zero or unknown", async () => {
    const result = await runInProcess(
      ["usage", "show", "--db", "ledger.db", "--tz", "UTC", "--period", "all", "--by", "model"],
      options(),
    );
    expect(result.code).toBe(0);
    expect(rowOf(result.stdout, "gpt-4.1-nano")).toContain("$0.000014");
    expect(rowOf(result.stdout, "cached-model")).toMatch(/\$0 /);
    expect(rowOf(result.stdout, "unknown-model")).toContain("—");
    expect(result.stdout).not.toMatch(/\$0\.0000(?!\d)/);
  });

  it("report daily gives the day of a sub-cent call its cost", async () => {
    const result = await runInProcess(
      ["report", "daily", "--db", "ledger.db", "--tz", "UTC", "--period", "all"],
      options(),
    );
    expect(result.code).toBe(0);
    expect(rowOf(result.stdout, "2026-12-01")).toContain("$0.000014");
    expect(rowOf(result.stdout, "2026-12-02")).toMatch(/\$0 /);
    expect(rowOf(result.stdout, "2026-12-03")).toContain("—");
    expect(result.stdout).not.toMatch(/\$0\.0000(?!\d)/);
  });
});
