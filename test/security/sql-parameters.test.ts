// SQL is always parameterized: hostile filter values and event fields (quotes, comments, `;
// DROP TABLE`) are data, never SQL. Checked against the real SQLite ledger with fast-check.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { normalizeUsageEvent } from "../../src/usage/normalize-usage-event.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { sampleEvents } from "../store/sample-events.ts";

const store = createSqliteStore(join(mkdtempSync(join(tmpdir(), "llmeter-sql-")), "usage.db"));
afterAll(() => store.close());

const injection = fc.oneof(
  fc.constantFrom(
    "x' OR '1'='1",
    "'; DROP TABLE events; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "') UNION SELECT * FROM sqlite_master --",
    "tenant\u0000null",
  ),
  // An empty filter value means "no filter" (events never hold empty strings).
  fc.string({ minLength: 1, maxLength: 40 }),
);

async function collect(events: AsyncIterable<UsageEvent>): Promise<UsageEvent[]> {
  const all: UsageEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

async function count(filter: Record<string, string> = {}): Promise<number> {
  let total = 0;
  for await (const _ of store.events(filter)) total += 1;
  return total;
}

describe("the SQLite ledger keeps hostile strings as data", () => {
  it("filters match only exact values and never change the table", async () => {
    await store.append(sampleEvents(200, { seed: 7 }));
    const before = await count();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("tenantId", "userId", "sessionId", "provider", "model"),
        injection,
        async (field, value) => {
          const matched = await count({ [field]: value });
          const exact = (await collect(store.events())).filter(
            (event) => (event as unknown as Record<string, unknown>)[field] === value,
          ).length;
          expect(matched).toBe(exact);
          const { totals } = await store.aggregate({ filter: { [field]: value }, timeZone: "UTC" });
          expect(totals.totalRequests).toBe(exact);
          expect(await store.delete({ [field]: `${value}-no-such-value` })).toBe(0);
          expect(await count()).toBe(before);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("events whose fields hold SQL round-trip unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(injection, injection, async (tenantId, model) => {
        const { event } = normalizeUsageEvent({
          provider: "openai",
          model,
          tenantId,
          inputTokens: 1,
        });
        await store.append([event]);
        const [stored] = await collect(
          store.events({ model: event.model, tenantId: event.tenantId }),
        );
        if (event.model !== undefined) expect(stored?.model).toBe(event.model);
      }),
      { numRuns: 200 },
    );
  });
});
