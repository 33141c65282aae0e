import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { aggregateEvents } from "../../src/stats/aggregate-events.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/schema.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { sampleEvents } from "./sample-events.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-ingest-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let fileCount = 0;
const newPath = () => join(folder, `ledger-${++fileCount}.db`);
const END_MS = Date.UTC(2026, 10, 20, 12);
const DAY_MS = 86_400_000;

/** What the ledger must hold: the first event seen for each id, in arrival order. */
function firstById(batches: readonly (readonly UsageEvent[])[]): UsageEvent[] {
  const kept = new Map<string, UsageEvent>();
  for (const batch of batches)
    for (const event of batch) if (!kept.has(event.id)) kept.set(event.id, event);
  return [...kept.values()];
}

/** Totals and breakdowns from the rollups, from an event scan, and from the reference events. */
async function expectLedgerHolds(path: string, store: SqliteStore, expected: UsageEvent[]) {
  const scan = createSqliteStore(path, { useRollups: false });
  try {
    const stored = new Map<string, UsageEvent>();
    for await (const event of store.events()) stored.set(event.id, event);
    expect(stored.size).toBe(expected.length);
    for (const event of expected) expect(stored.get(event.id)).toEqual(event);
    for (const query of [
      { filter: {}, groupBy: ["model" as const], timeZone: "UTC" },
      { filter: { sinceMs: END_MS - 3 * DAY_MS }, groupBy: ["tenant" as const], timeZone: "UTC" },
    ]) {
      const reference = aggregateEvents(
        expected.filter((event) => Date.parse(event.timestamp) >= (query.filter.sinceMs ?? 0)),
        { groupBy: query.groupBy, timeZone: query.timeZone },
      );
      for (const result of [await store.aggregate(query), await scan.aggregate(query)]) {
        expect(result.totals.totalRequests).toBe(reference.totals.totalRequests);
        expect(result.totals.totalInputTokens).toBe(reference.totals.totalInputTokens);
        expect(result.totals.totalCostUsd).toBeCloseTo(reference.totals.totalCostUsd, 9);
        expect(result.errorsByType).toEqual(reference.errorsByType);
        const groupBy = query.groupBy[0]!;
        expect(result.groupsBy[groupBy]!.map((group) => [group.key, group.totalRequests])).toEqual(
          reference.groupsBy[groupBy]!.map((group) => [group.key, group.totalRequests]),
        );
      }
    }
    const sessions = new Map<string, number>();
    for (const event of expected)
      if (event.sessionId !== undefined)
        sessions.set(event.sessionId, (sessions.get(event.sessionId) ?? 0) + 1);
    const listed = await store.listSessions();
    expect(new Map(listed.map((session) => [session.sessionId, session.totalRequests]))).toEqual(
      sessions,
    );
  } finally {
    await scan.close();
  }
}

describe("SQLite ingest with multi-row inserts", () => {
  it("counts only new events when a batch mixes stored ids, new ones and repeats", async () => {
    const path = newPath();
    const store = createSqliteStore(path);
    const events = sampleEvents(600, { seed: 31, endMs: END_MS, spanMs: 6 * DAY_MS });
    // 150 events: cut into statements of 64, 64, 16, 4 and 1 rows, then a replay overlapping
    // them, with an id repeated inside the batch (different content: the first one is kept).
    expect(store.appendSync(events.slice(0, 150))).toBe(150);
    const repeated = { ...events[200]!, inputTokens: 999_999, model: "not-kept" };
    const mixed = [...events.slice(100, 300), repeated, ...events.slice(0, 10)];
    expect(store.appendSync(mixed)).toBe(150);
    expect(store.appendSync(events.slice(0, 300))).toBe(0);
    expect(store.appendSync(events.slice(300))).toBe(300);
    await expectLedgerHolds(path, store, events);
    await store.close();
  });

  it("holds exactly the first event per id for any batches and replays (property)", async () => {
    const pool = sampleEvents(400, { seed: 32, endMs: END_MS, spanMs: 6 * DAY_MS });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 0, maxLength: 140 }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (picks) => {
          const path = newPath();
          const store = createSqliteStore(path);
          const batches = picks.map((indexes) => indexes.map((index) => pool[index]!));
          const seen = new Set<string>();
          for (const batch of batches) {
            const fresh = new Set(
              batch.filter((event) => !seen.has(event.id)).map((event) => event.id),
            );
            expect(store.appendSync(batch)).toBe(fresh.size);
            for (const id of fresh) seen.add(id);
          }
          await expectLedgerHolds(path, store, firstById(batches));
          await store.close();
        },
      ),
      { numRuns: 15 },
    );
  });

  it("stores an id reused at another time as another event, and replays of each once", async () => {
    const path = newPath();
    const store = createSqliteStore(path);
    const [first, second] = sampleEvents(2, { seed: 33, endMs: END_MS, spanMs: DAY_MS });
    // The same id an hour later: a different call (a replay carries its event's original time).
    const reused = {
      ...second!,
      id: first!.id,
      timestamp: new Date(Date.parse(first!.timestamp) + 3_600_000).toISOString(),
    };
    expect(store.appendSync([first!, reused])).toBe(2);
    expect(store.appendSync([reused, first!, reused])).toBe(0);
    const stored = [];
    for await (const event of store.events()) stored.push(event);
    expect(stored).toEqual([first, reused]);
    const { totals } = await store.aggregate({ filter: {}, groupBy: [], timeZone: "UTC" });
    expect(totals.totalRequests).toBe(2);
    expect(totals.totalInputTokens).toBe((first!.inputTokens ?? 0) + (reused.inputTokens ?? 0));
    await store.close();
  });

  it("exports every event once across pages when thousands share one millisecond", async () => {
    const store = createSqliteStore(newPath());
    // 2,500 events in the same millisecond: the export's pages (1,000 rows) are cut inside it.
    const timestamp = new Date(END_MS).toISOString();
    const events = sampleEvents(2_500, { seed: 35 }).map((event) => ({ ...event, timestamp }));
    expect(store.appendSync(events)).toBe(2_500);
    const exported: string[] = [];
    for await (const event of store.events()) exported.push(event.id);
    expect(exported.length).toBe(2_500);
    expect(new Set(exported)).toEqual(new Set(events.map((event) => event.id)));
    await store.close();
  });

  it("keeps ingesting into a ledger written by an earlier release (schema 1)", async () => {
    const older = newPath();
    const legacy = new DatabaseSync(older);
    legacy.exec(MIGRATIONS[0] as string);
    legacy.exec("PRAGMA user_version = 1");
    legacy.close();
    const reopened = createSqliteStore(older);
    const events = sampleEvents(300, { seed: 34, endMs: END_MS, spanMs: 2 * DAY_MS });
    expect(reopened.appendSync(events)).toBe(300);
    expect(reopened.appendSync(events.slice(100, 200))).toBe(0);
    await expectLedgerHolds(older, reopened, events);
    await reopened.close();
    const after = new DatabaseSync(older);
    expect(after.prepare("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    after.close();
  });
});
