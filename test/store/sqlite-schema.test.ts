import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { aggregateEvents } from "../../src/stats/aggregate-events.ts";
import { EVENT_COLUMNS, eventToRow } from "../../src/store/sqlite/event-row.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/schema.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { sampleEvents } from "./sample-events.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-schema-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("the SQLite ledger's schema", () => {
  it("migrates a schema-1 ledger and backfills its rollups from the events", async () => {
    const path = join(folder, "v1.db");
    const events = sampleEvents(500, { seed: 21 });
    const db = new DatabaseSync(path);
    // As every ledger llmeter has created: incremental auto-vacuum, set before the first table.
    db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    db.exec(MIGRATIONS[0] as string);
    const insert = db.prepare(
      `INSERT INTO events (${EVENT_COLUMNS.join(", ")}) VALUES (${EVENT_COLUMNS.map(() => "?").join(", ")})`,
    );
    db.exec("BEGIN");
    for (const event of events) insert.run(...eventToRow(event));
    db.exec("COMMIT");
    db.exec("PRAGMA user_version = 1");
    db.close();

    const store = createSqliteStore(path);
    const result = await store.aggregate({
      filter: { tenantId: "acme" },
      groupBy: ["model"],
      timeZone: "UTC",
    });
    const reference = aggregateEvents(
      events.filter((event) => event.tenantId === "acme"),
      { groupBy: ["model"], timeZone: "UTC" },
    );
    expect(result.totals.totalRequests).toBe(reference.totals.totalRequests);
    expect(result.totals.totalCostUsd).toBeCloseTo(reference.totals.totalCostUsd, 9);
    expect(result.groupsBy.model!.map((group) => [group.key, group.totalInputTokens])).toEqual(
      reference.groupsBy.model!.map((group) => [group.key, group.totalInputTokens]),
    );
    await store.close();
    const check = new DatabaseSync(path);
    expect(check.prepare("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    // Schema 5 rebuilt the table: every event kept, unique by (time, id) in one index.
    expect(check.prepare("SELECT COUNT(*) AS n FROM events").get()).toEqual({ n: events.length });
    // ...and the old table's pages were given back rather than left as free pages.
    expect(check.prepare("PRAGMA freelist_count").get()).toEqual({ freelist_count: 0 });
    const indexes = check.prepare("PRAGMA index_list(events)").all() as Array<{
      name: string;
      unique: number;
    }>;
    expect(indexes.map((index) => [index.name, index.unique]).sort()).toEqual([
      ["events_by_session", 0],
      ["events_by_time_id", 1],
    ]);
    check.close();
  });

  it("creates new ledgers with 8 KiB pages and keeps an older ledger's 4 KiB pages", async () => {
    const fresh = join(folder, "fresh-pages.db");
    await createSqliteStore(fresh).close();
    const older = join(folder, "older-pages.db");
    const legacy = new DatabaseSync(older);
    legacy.exec("PRAGMA page_size = 4096");
    legacy.exec(MIGRATIONS[0] as string);
    legacy.exec("PRAGMA user_version = 1");
    legacy.close();
    const store = createSqliteStore(older);
    expect(await store.append(sampleEvents(50, { seed: 23 }))).toBe(50);
    await store.close();
    const pageSize = (path: string) => {
      const db = new DatabaseSync(path);
      const { page_size } = db.prepare("PRAGMA page_size").get() as { page_size: number };
      db.close();
      return page_size;
    };
    expect(pageSize(fresh)).toBe(8192);
    expect(pageSize(older)).toBe(4096);
  });

  it("refuses a ledger written by a newer llmeter instead of misreading it", () => {
    const path = join(folder, "future.db");
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => createSqliteStore(path)).toThrow(
      /newer than this llmeter understands.*Upgrade llmeter/,
    );
  });

  it("round-trips every event field losslessly through a row", async () => {
    const store = createSqliteStore(join(folder, "roundtrip.db"));
    const events = sampleEvents(300, { seed: 22 });
    await store.append(events);
    const read = new Map<string, unknown>();
    for await (const event of store.events()) read.set(event.id, event);
    for (const event of events) expect(read.get(event.id)).toEqual(event);
    await store.close();
  });
});
