// `llmeter reprice` and `usage import` pricing by default (issue 19, item 4; decision 0034):
// 20,000 imported events without costs come out at exactly the sum of calculateCost per event,
// to the nano-dollar, on SQLite and on PostgreSQL when one answers. A dry run writes nothing, a
// second run changes nothing, costs from the provider or the caller are never touched, and the
// rollup-backed daily report agrees with the events.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { calculateCost } from "../../src/pricing/price-book.ts";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import {
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "../store-postgres/test-database.ts";
import { runInProcess } from "./cli-harness.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-reprice-"));
const newSchema = schemasDroppedAfterAll();
const env = { LLMETER_CONFIG: "none" };
const NOW_MS = Date.parse("2026-11-22T12:00:00.000Z");

const MODELS = [
  ["openai", "gpt-4o-mini"],
  ["openai", "gpt-4o"],
  ["anthropic", "claude-sonnet-4-5"],
  ["google", "gemini-2.5-flash"],
  ["mistral", "mistral-small-latest"],
] as const;
const COUNT = 20_000;

// Token counts only, as a foreign export or a hand-made file has them: spread over five days,
// models, tenants, with cache reads on some.
const lines = Array.from({ length: COUNT }, (_, index) => {
  const [provider, model] = MODELS[index % MODELS.length]!;
  const line: Record<string, unknown> = {
    id: `evt-${index}`,
    timestamp: new Date(Date.parse("2026-11-10T00:00:00.000Z") + index * 21_613).toISOString(),
    provider,
    model,
    tenantId: `tenant-${index % 3}`,
    inputTokens: 200 + ((index * 7919) % 9000),
    outputTokens: 10 + ((index * 104729) % 1500),
  };
  if (index % 4 === 0) line.cacheReadTokens = 100;
  return line;
});
// The costs of record, which reprice must never change: the provider's, the caller's (manual),
// and a cost the file gave without a source.
const protectedLines = [
  {
    id: "evt-provider",
    timestamp: "2026-11-11T08:00:00.000Z",
    provider: "xai",
    model: "grok-4",
    inputTokens: 1000,
    outputTokens: 100,
    costUsd: 0.5,
    priceSource: "provider",
    // The catalog's estimate kept beside it: reprice leaves it as it is too.
    estimatedCostUsd: 0.45,
  },
  {
    id: "evt-manual",
    timestamp: "2026-11-11T09:00:00.000Z",
    provider: "openai",
    model: "gpt-4o",
    inputTokens: 1000,
    outputTokens: 100,
    costUsd: 0.25,
    priceSource: "manual",
  },
  {
    id: "evt-file-cost",
    timestamp: "2026-11-11T10:00:00.000Z",
    provider: "openai",
    model: "gpt-4o",
    inputTokens: 1000,
    outputTokens: 100,
    costUsd: 0.125,
  },
];
const PROTECTED_NANO = 500_000_000 + 250_000_000 + 125_000_000;

function expectedNano(line: Record<string, unknown>): number {
  const result = calculateCost(line as never, {
    provider: line.provider as string,
    model: line.model as string,
    at: line.timestamp as string,
  });
  if (result === null) throw new Error(`test data: no price for ${String(line.model)}`);
  return result.costNanoUsd;
}
const EXPECTED_NANO = lines.reduce((sum, line) => sum + expectedNano(line), 0);
const expectedByDay = new Map<string, number>();
for (const line of [...lines, ...protectedLines]) {
  const day = (line.timestamp as string).slice(0, 10);
  const nano = "costUsd" in line ? Math.round((line.costUsd as number) * 1e9) : expectedNano(line);
  expectedByDay.set(day, (expectedByDay.get(day) ?? 0) + nano);
}

const file = join(folder, "tokens-only.jsonl");
writeFileSync(
  file,
  `${[...lines, ...protectedLines].map((line) => JSON.stringify(line)).join("\n")}\n`,
);

async function allEvents(store: UsageStore): Promise<UsageEvent[]> {
  const events: UsageEvent[] = [];
  for await (const event of store.events()) events.push(event);
  return events;
}

function sumNano(events: readonly UsageEvent[]): number {
  return events.reduce((sum, event) => sum + Math.round((event.costUsd ?? 0) * 1e9), 0);
}

// Each store with the --db location that names it (reprice never creates a ledger).
type Opened = { store: UsageStore; location: string };
const stores: Array<[string, () => Promise<Opened>]> = [
  [
    "SQLite",
    async () => {
      const location = join(folder, `ledger-${Math.random()}.db`);
      return { store: createSqliteStore(location), location };
    },
  ],
];
if (await testDatabaseAvailable()) {
  stores.push([
    "PostgreSQL",
    async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", newSchema("reprice"));
      return { store: createPostgresStore({ url: url.toString() }), location: url.toString() };
    },
  ]);
}

describe.each(stores)("llmeter reprice on %s", (_name, openStore) => {
  const opened: UsageStore[] = [];
  afterAll(async () => {
    for (const store of opened) await store.close();
  });
  const locations = new Map<UsageStore, string>();
  async function freshStore(): Promise<UsageStore> {
    const { store, location } = await openStore();
    opened.push(store);
    locations.set(store, location);
    return store;
  }
  const run = (store: UsageStore, argv: string[]) =>
    runInProcess([...argv, "--db", locations.get(store)!], {
      store,
      cwd: folder,
      env,
      nowMs: NOW_MS,
    });

  it("prices 20,000 unpriced events exactly, writes nothing on --dry-run, and changes nothing the second time", async () => {
    const store = await freshStore();
    const imported = await run(store, ["usage", "import", file, "--keep-costs"]);
    expect(imported.code).toBe(0);
    const before = await allEvents(store);
    expect(sumNano(before)).toBe(PROTECTED_NANO);

    const dry = await run(store, ["reprice", "--dry-run", "--json"]);
    expect(dry.code).toBe(0);
    const dryJson = JSON.parse(dry.stdout);
    expect(dryJson.schemaVersion).toBe(1);
    expect(dryJson.dryRun).toBe(true);
    expect(dryJson.totals.repriced).toBe(COUNT);
    expect(dryJson.totals.kept).toBe(3);
    expect(Math.round(dryJson.totals.oldCostUsd * 1e9)).toBe(PROTECTED_NANO);
    expect(Math.round(dryJson.totals.newCostUsd * 1e9)).toBe(EXPECTED_NANO + PROTECTED_NANO);
    expect(await allEvents(store)).toEqual(before);

    const first = await run(store, ["reprice", "--json", "--batch-size", "3000"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).totals.repriced).toBe(COUNT);
    const after = await allEvents(store);
    const byId = new Map(after.map((event) => [event.id, event]));
    // Event by event, then summed: the stored costs are the catalog's, to the nano-dollar.
    for (const line of lines.slice(0, 50)) {
      const event = byId.get(line.id as string)!;
      expect(Math.round(event.costUsd! * 1e9)).toBe(expectedNano(line));
      expect(event.priceSource).toBe("catalog");
      expect(event.priceEntryId).toBeTypeOf("string");
      expect(event.catalogVersion).toBeTypeOf("string");
      expect(event.repricedAt).toBe(new Date(NOW_MS).toISOString());
    }
    expect(
      sumNano(after.filter((event) => event.id.startsWith("evt-") && /\d$/.test(event.id))),
    ).toBe(EXPECTED_NANO);
    for (const line of protectedLines)
      expect(byId.get(line.id)).toEqual(before.find((event) => event.id === line.id));

    const second = await run(store, ["reprice", "--json"]);
    expect(JSON.parse(second.stdout).totals.repriced).toBe(0);
    expect(await allEvents(store)).toEqual(after);

    // The daily report answers from the rollups on SQLite: they followed the new costs.
    const report = await run(store, ["report", "daily", "--json", "--tz", "UTC"]);
    const document = JSON.parse(report.stdout);
    expect(Math.round(document.totals.totalCostUsd * 1e9)).toBe(EXPECTED_NANO + PROTECTED_NANO);
    expect(document.totals.unpricedRequests).toBe(0);
    const days = Object.fromEntries(
      document.groups.map((group: { key: string; totalCostUsd: number }) => [
        group.key,
        Math.round(group.totalCostUsd * 1e9),
      ]),
    );
    expect(days).toEqual(Object.fromEntries(expectedByDay));
  });

  it("reprices only the events in the filters, and a stale catalog cost too", async () => {
    const store = await freshStore();
    const stale = { ...lines[1]!, id: "stale", costUsd: 99, priceSource: "catalog" };
    const small = join(folder, `filtered-${Math.random()}.jsonl`);
    writeFileSync(
      small,
      `${[...lines.slice(0, 100), stale].map((line) => JSON.stringify(line)).join("\n")}\n`,
    );
    expect((await run(store, ["usage", "import", small, "--keep-costs"])).code).toBe(0);
    const result = await run(store, ["reprice", "--provider", "openai", "--tenant", "tenant-1"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Repriced");
    const events = await allEvents(store);
    for (const event of events) {
      const chosen = event.provider === "openai" && event.tenantId === "tenant-1";
      expect(event.repricedAt !== undefined).toBe(chosen);
      if (!chosen && event.id !== "stale") expect(event.costUsd).toBeUndefined();
    }
    const repricedStale = events.find((event) => event.id === "stale")!;
    expect(Math.round(repricedStale.costUsd! * 1e9)).toBe(expectedNano(stale));
  });

  it("usage import prices events without a cost by default, keeping the file's costs", async () => {
    const store = await freshStore();
    const result = await run(store, ["usage", "import", file]);
    expect(result.code).toBe(0);
    const events = await allEvents(store);
    expect(sumNano(events)).toBe(EXPECTED_NANO + PROTECTED_NANO);
    const fileCost = events.find((event) => event.id === "evt-file-cost")!;
    expect(fileCost.costUsd).toBe(0.125);
    expect(fileCost.priceSource).toBeUndefined();
    // Priced on import, so there is nothing left to reprice.
    const again = await run(store, ["reprice", "--json"]);
    expect(again.stderr).toBe("");
    expect(JSON.parse(again.stdout).totals.repriced).toBe(0);
  });
});
