// Importing the same file twice adds nothing, also when its events have no id or no timestamp:
// ids come from the line's content, missing times from --default-time or the file's earliest
// timestamp (decision 0022). On SQLite, and on PostgreSQL when one answers.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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

const folder = mkdtempSync(join(tmpdir(), "llmeter-import-twice-"));
const newSchema = schemasDroppedAfterAll();

async function allEvents(store: UsageStore): Promise<UsageEvent[]> {
  const events: UsageEvent[] = [];
  for await (const event of store.events()) events.push(event);
  return events;
}

function writeLines(name: string, lines: object[]): string {
  const file = join(folder, name);
  writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
  return file;
}

// Real export lines with the id and timestamp left out, as a hand-made or foreign file has them.
const undated = [
  { provider: "openai", model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 80 },
  { provider: "anthropic", model: "claude-sonnet-4-5", inputTokens: 900, outputTokens: 40 },
  { provider: "openai", model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 81 },
];
const dated = {
  id: "evt-dated-1",
  timestamp: "2026-11-03T09:30:00.000Z",
  provider: "openai",
  model: "gpt-4o",
  inputTokens: 10,
  outputTokens: 2,
};
const later = { ...dated, id: "evt-dated-2", timestamp: "2026-11-05T10:00:00.000Z" };

const stores: Array<[string, () => Promise<UsageStore>]> = [
  ["SQLite", async () => createSqliteStore(join(folder, `ledger-${Math.random()}.db`))],
];
if (await testDatabaseAvailable()) {
  stores.push([
    "PostgreSQL",
    async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", newSchema("import_twice"));
      return createPostgresStore({ url: url.toString() });
    },
  ]);
}

describe.each(stores)("usage import twice on %s", (_name, openStore) => {
  const opened: UsageStore[] = [];
  afterAll(async () => {
    for (const store of opened) await store.close();
  });
  async function freshStore(): Promise<UsageStore> {
    const store = await openStore();
    opened.push(store);
    return store;
  }

  it("counts events without id or timestamp once, dated at the file's earliest time", async () => {
    const store = await freshStore();
    const file = writeLines("mixed.jsonl", [later, ...undated, dated]);
    const first = await runInProcess(["usage", "import", file], { store, cwd: folder });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(
      "3 events have no timestamp: recorded at 2026-11-03T09:30:00.000Z",
    );
    const second = await runInProcess(["usage", "import", file], { store, cwd: folder });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("Imported 0 events");
    expect(second.stdout).toContain("5 already there");

    const events = await allEvents(store);
    expect(events).toHaveLength(5);
    expect(events.reduce((sum, event) => sum + (event.inputTokens ?? 0), 0)).toBe(
      1200 + 900 + 1200 + 10 + 10,
    );
    const undatedIds = events.filter((event) => event.id.startsWith("import-"));
    expect(undatedIds).toHaveLength(3);
    for (const event of undatedIds) expect(event.timestamp).toBe(dated.timestamp);
  });

  it("gives the same id to the same event whatever its key order or file format", async () => {
    const store = await freshStore();
    const reordered = undated.map((line) => Object.fromEntries(Object.entries(line).reverse()));
    const jsonl = writeLines("undated-a.jsonl", [dated, ...undated]);
    const json = join(folder, "undated-b.json");
    writeFileSync(json, JSON.stringify({ events: [dated, ...reordered] }, null, 2));
    expect((await runInProcess(["usage", "import", jsonl], { store, cwd: folder })).code).toBe(0);
    const again = await runInProcess(["usage", "import", json], { store, cwd: folder });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Imported 0 events");
    expect(await allEvents(store)).toHaveLength(4);
  });

  it("refuses a file with no timestamp at all unless --default-time names one, then counts it once", async () => {
    const store = await freshStore();
    const file = writeLines("no-times.jsonl", undated);
    const refused = await runInProcess(["usage", "import", file], { store, cwd: folder });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("3 events have no timestamp");
    expect(refused.stderr).toContain("--default-time");
    expect(await allEvents(store)).toHaveLength(0);

    const options = ["--default-time", "2026-11-01"];
    const first = await runInProcess(["usage", "import", file, ...options], { store, cwd: folder });
    expect(first.code).toBe(0);
    const second = await runInProcess(["usage", "import", file, ...options], {
      store,
      cwd: folder,
    });
    expect(second.stdout).toContain("Imported 0 events");
    const events = await allEvents(store);
    expect(events).toHaveLength(3);
    for (const event of events) expect(event.timestamp).toBe("2026-11-01T00:00:00.000Z");
  });

  it("rejects a --default-time that is not a date, saying how to write one", async () => {
    const store = await freshStore();
    const file = writeLines("bad-time.jsonl", undated);
    const result = await runInProcess(["usage", "import", file, "--default-time", "yesterday"], {
      store,
      cwd: folder,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--default-time "yesterday" is not a date');
    expect(await allEvents(store)).toHaveLength(0);
  });
});
