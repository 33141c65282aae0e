// Acceptance of issue 19 item 2: calls recorded through the real openai SDK against the loopback
// mock, with xAI and OpenRouter cost fields, land in a SQLite ledger; `usage show` calls out the
// model whose provider bill drifts from the catalog by more than the threshold, and only that one.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { openStore } from "../../src/store/open-store.ts";
import { DRIFT_THRESHOLD_PERCENT } from "../../src/store/provider-cost-drift.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import { startMockProvider } from "../../src/testing/index.ts";
import { runInProcess } from "./cli-harness.ts";

const cwd = mkdtempSync(join(tmpdir(), "llmeter-drift-"));
const ledger = join(cwd, "usage.db");
const messages = [{ role: "user" as const, content: "Bill me." }];
let store: UsageStore;

beforeAll(async () => {
  const meter = createMeter({ ledger, configContext: { env: {}, cwd }, diagnostics: () => {} });
  // xAI bills grok-3 at 1.5× the catalog's $3 / $15: a deliberate mismatch. OpenRouter bills
  // x-ai/grok-3 at 1.02×: within the threshold.
  const xai = await startMockProvider({
    reportedCost: { format: "xai", inputPerMillion: 4.5, outputPerMillion: 22.5 },
  });
  const openrouter = await startMockProvider({
    reportedCost: { format: "openrouter", inputPerMillion: 3.06, outputPerMillion: 15.3 },
  });
  try {
    const client = (baseURL: string, provider: string) =>
      instrumentOpenAI(new OpenAI({ baseURL, apiKey: "test", maxRetries: 0 }), { meter, provider });
    const grok = client(xai.openaiBaseUrl, "xai");
    const router = client(openrouter.openaiBaseUrl, "openrouter");
    for (let index = 0; index < 3; index++) {
      await grok.chat.completions.create({ model: "grok-3", messages });
      for await (const _ of await router.chat.completions.create({
        model: "x-ai/grok-3",
        messages,
        stream: true,
      }));
    }
  } finally {
    await meter.shutdown();
    await Promise.all([xai.close(), openrouter.close()]);
  }
  store = await openStore(ledger);
});

afterAll(async () => {
  await store?.close();
});

const show = (...flags: string[]) =>
  runInProcess(["usage", "show", "--db", ledger, "--period", "all", "--tz", "UTC", ...flags], {
    store,
    cwd,
    env: { NO_COLOR: "1" },
    columns: 160,
  });

describe("usage show and provider-reported cost", () => {
  it("--json: the drift of every model, flagged past the threshold", async () => {
    const result = await show("--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.providerCostDrift.thresholdPercent).toBe(DRIFT_THRESHOLD_PERCENT);
    const byProvider = Object.fromEntries(
      report.providerCostDrift.models.map((model: { provider: string }) => [model.provider, model]),
    );
    expect(byProvider.xai).toMatchObject({ model: "grok-3", requests: 3, exceedsThreshold: true });
    expect(byProvider.xai.driftPercent).toBeCloseTo(50, 3);
    expect(byProvider.openrouter).toMatchObject({ requests: 3, exceedsThreshold: false });
    expect(byProvider.openrouter.driftPercent).toBeCloseTo(2, 3);
    // The totals are the providers' bills, not the estimates.
    expect(report.totals.totalCostUsd).toBeCloseTo(
      byProvider.xai.providerCostUsd + byProvider.openrouter.providerCostUsd,
      9,
    );
  });

  it("text: the drifting model is called out with both amounts; the other is not", async () => {
    const result = await show();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Provider-reported cost vs the catalog (drift over ${DRIFT_THRESHOLD_PERCENT}%)`,
    );
    const row = result.stdout.split("\n").find((line) => line.includes("xai/grok-3"));
    expect(row).toContain("+50.0%");
    expect(result.stdout).not.toContain("openrouter/x-ai/grok-3");
  });

  it("says nothing about drift when every provider bill is within the threshold", async () => {
    const result = await show("--provider", "openrouter");
    expect(result.stdout).not.toContain("Provider-reported cost vs the catalog");
    expect(
      JSON.parse((await show("--provider", "openrouter", "--json")).stdout).providerCostDrift
        .models,
    ).toHaveLength(1);
  });
});
