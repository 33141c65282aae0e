// llmeter/auto reads a provider-reported cost through the same wire reader as the SDK wrapper
// and the gateway: an app that never imports llmeter gets xAI's billed cost as the cost of record.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { AUTO_ENTRY, mockAndFolder, runApp } from "./auto-harness.ts";

const setup = mockAndFolder();

describe("llmeter/auto and xAI's usage.cost_in_usd_ticks", () => {
  it("records the billed cost, plain and streamed, with the catalog's estimate beside it", async () => {
    // Billed at twice the catalog's grok-3 price ($3 / $15 per million tokens).
    setup.mock.setOptions({
      reportedCost: { format: "xai", inputPerMillion: 6, outputPerMillion: 30 },
    });
    const db = join(setup.folder, "provider-cost.db");
    const code = `const { OpenAI } = require("openai");
const client = new OpenAI({ apiKey: "test", baseURL: process.env.MOCK_URL + "/v1" });
const messages = [{ role: "user", content: "Say hello" }];
(async () => {
  const plain = await client.chat.completions.create({ model: "grok-3", messages });
  console.log(plain.usage.cost_in_usd_ticks);
  for await (const _ of await client.chat.completions.create({ model: "grok-3", messages, stream: true }));
})();`;
    const run = await runApp(["--import", AUTO_ENTRY, "-e", code], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
    });
    setup.mock.setOptions({ reportedCost: undefined });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const ticks = Number(run.stdout.trim());
    const store = await openStore(db);
    const events: UsageEvent[] = [];
    try {
      for await (const event of store.events()) events.push(event);
    } finally {
      await store.close();
    }
    expect(events.map((event) => event.streaming)).toEqual([false, true]);
    expect(events[0]?.costUsd).toBe(ticks / 1e10);
    for (const event of events) {
      expect(event.priceSource).toBe("provider");
      expect(event.costUsd).toBeCloseTo(2 * event.estimatedCostUsd!, 10);
    }
  });
});
