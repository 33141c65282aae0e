// The dashboard's data for issue 19 items 2 and 5: provider-cost drift past the threshold, and
// unpriced models told apart (reprice when the catalog prices them, a price file when nobody does).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DashboardData } from "../../src/dashboard/build-dashboard-data.ts";
import {
  type DashboardServer,
  startDashboardServer,
} from "../../src/dashboard/dashboard-server.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { chromiumInstalled, launchChromium } from "./chromium.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");
let sequence = 0;
function call(provider: string, model: string, fields: Partial<UsageEvent> = {}): UsageEvent {
  sequence += 1;
  return {
    id: `0190a1b2-0000-7000-8000-${String(sequence).padStart(12, "0")}`,
    timestamp: new Date(NOW - sequence * 60_000).toISOString(),
    kind: "llm",
    operation: "chat",
    provider,
    model,
    success: true,
    inputTokens: 1000,
    outputTokens: 100,
    ...fields,
  };
}

let store: UsageStore;
let server: DashboardServer;

beforeAll(async () => {
  store = createMemoryStore();
  await store.append([
    // Billed 20 % above the catalog: flagged. Billed 1 % above: not.
    call("xai", "grok-3", { costUsd: 0.0054, priceSource: "provider", estimatedCostUsd: 0.0045 }),
    call("xai", "grok-3", { costUsd: 0.0054, priceSource: "provider", estimatedCostUsd: 0.0045 }),
    call("openrouter", "x-ai/grok-3", {
      costUsd: 0.004545,
      priceSource: "provider",
      estimatedCostUsd: 0.0045,
    }),
    // Stored without a cost: a model the catalog prices, and one only the price file below does.
    call("openai", "gpt-4o"),
    call("acme", "acme-large"),
    call("acme", "acme-small"),
  ]);
  server = await startDashboardServer({
    store,
    port: 0,
    timeZone: "UTC",
    now: () => NOW,
    priceBook: createPriceBook({
      customPrices: [
        {
          id: "acme/acme-large",
          provider: "acme",
          model: "acme-large",
          prices: { input: 1, output: 2 },
          source: "test",
          checkedAt: "2026-11-22",
        },
      ],
    }),
  });
});

afterAll(async () => {
  await server.close();
  await store.close();
});

async function dashboard(query = "period=all"): Promise<DashboardData> {
  const response = await fetch(new URL(`/api/dashboard?${query}`, server.url));
  expect(response.status).toBe(200);
  return (await response.json()) as DashboardData;
}

describe("the dashboard's cost checks", () => {
  it("flags the model whose provider bill drifts past the threshold", async () => {
    const { providerCostDrift } = await dashboard();
    expect(providerCostDrift.thresholdPercent).toBe(5);
    const flagged = providerCostDrift.models.filter((model) => model.exceedsThreshold);
    expect(flagged).toEqual([
      expect.objectContaining({ provider: "xai", model: "grok-3", requests: 2 }),
    ]);
    expect(flagged[0]?.driftPercent).toBeCloseTo(20, 6);
    expect(
      providerCostDrift.models.find((model) => model.provider === "openrouter")?.driftPercent,
    ).toBeCloseTo(1, 6);
  });

  it("tells reprice from price file, by the catalog and the server's price book", async () => {
    const { unpricedModels, priceFileTemplate } = await dashboard();
    const fixes = Object.fromEntries(unpricedModels.map((entry) => [entry.model, entry.fix]));
    expect(fixes).toEqual({
      "gpt-4o": "reprice",
      "acme-large": "reprice",
      "acme-small": "price-file",
    });
    // The template holds only the model nobody prices, with prices that cannot validate as they are.
    expect(priceFileTemplate?.prices).toEqual([
      expect.objectContaining({
        provider: "acme",
        model: "acme-small",
        prices: { input: null, output: null },
      }),
    ]);
  });

  it("has no template, and no drift, where there is nothing to fix", async () => {
    const data = await dashboard("period=all&provider=openrouter");
    expect(data.unpricedModels).toEqual([]);
    expect(data.priceFileTemplate).toBeNull();
    expect(data.providerCostDrift.models.every((model) => !model.exceedsThreshold)).toBe(true);
  });
});

describe.skipIf(!chromiumInstalled)("the page draws the cost checks", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("calls out the drifting model and tells the two unpriced cases apart, with no error", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(`${server.url}?period=all`);
    const drift = page.locator("#cost-drift");
    await expect.poll(() => drift.isVisible()).toBe(true);
    expect(await drift.locator("li").count()).toBe(1);
    expect(await drift.locator('li[data-drift-model="xai/grok-3"]').innerText()).toContain(
      "(+20.0%)",
    );
    const unpriced = page.locator("#unpriced");
    expect(await unpriced.locator('li[data-fix="reprice"]').count()).toBe(2);
    const unknown = unpriced.locator('li[data-fix="price-file"]');
    expect(await unknown.innerText()).toContain(
      "llmeter prices template acme-small --provider acme > prices.json",
    );
    expect(await unpriced.locator("pre").innerText()).toContain('"input": null');
    expect(errors).toEqual([]);
    await page.close();
  });
});
