import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import type { GroupBy, UsageFilter } from "../../src/stats/usage-stats.ts";
import { SCHEMA_VERSION } from "../../src/store/sqlite/schema.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { SessionSummary } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { expectSameResult } from "./rollup-equivalence.ts";
import { createRandom, sampleEvents } from "./sample-events.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-rollups-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let fileCount = 0;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const END_MS = Date.UTC(2026, 10, 20, 12);
/** Two handles on one file: one answering from the rollups, one always scanning the events. */
function openPair(): { rollups: SqliteStore; scan: SqliteStore; path: string } {
  fileCount += 1;
  const path = join(folder, `ledger-${fileCount}.db`);
  const rollups = createSqliteStore(path);
  const scan = createSqliteStore(path, { useRollups: false });
  return { rollups, scan, path };
}

/** Periods with ragged edges, whole days, open ends and a short one, plus all time. */
function periods(): UsageFilter[] {
  const random = createRandom(7);
  const list: UsageFilter[] = [
    {},
    { sinceMs: END_MS - 4 * DAY_MS },
    { untilMs: END_MS - 3 * DAY_MS + 1234 },
    { sinceMs: Date.UTC(2026, 10, 12), untilMs: Date.UTC(2026, 10, 17) },
    { sinceMs: END_MS - 5 * HOUR_MS - 17, untilMs: END_MS - HOUR_MS + 5 },
    { sinceMs: END_MS - 8 * DAY_MS + 999, untilMs: END_MS - 2 * DAY_MS - 777, tenantId: "acme" },
    { sinceMs: END_MS - 6 * DAY_MS, model: "gpt-4o", kind: "llm" },
  ];
  for (let index = 0; index < 4; index++) {
    const since = END_MS - Math.floor(random() * 10 * DAY_MS);
    list.push({ sinceMs: since, untilMs: since + Math.floor(random() * 6 * DAY_MS) });
  }
  return list;
}

const GROUPINGS: Array<{ groupBy: GroupBy[]; timeZone: string }> = [
  { groupBy: [], timeZone: "UTC" },
  { groupBy: ["model"], timeZone: "UTC" },
  { groupBy: ["day"], timeZone: "UTC" },
  { groupBy: ["provider", "model", "tenant", "kind", "day"], timeZone: "Europe/Paris" },
  { groupBy: ["day", "tenant"], timeZone: "Asia/Kolkata" },
  { groupBy: ["week", "month"], timeZone: "America/New_York" },
];

async function expectRollupsMatchEvents(pair: { rollups: SqliteStore; scan: SqliteStore }) {
  for (const filter of periods()) {
    for (const { groupBy, timeZone } of GROUPINGS) {
      const query = { filter, groupBy, timeZone };
      expectSameResult(
        await pair.rollups.aggregate(query),
        await pair.scan.aggregate(query),
        `${JSON.stringify(filter)} by ${groupBy.join("+") || "nothing"} in ${timeZone}`,
      );
    }
  }
}

/** What `listSessions` must answer, computed from the stored events themselves. */
async function sessionsFromEvents(
  store: SqliteStore,
  sinceMs: number | undefined,
): Promise<Array<[string, string, string]>> {
  const spans = new Map<string, [string, string]>();
  for await (const event of store.events(sinceMs === undefined ? {} : { sinceMs })) {
    if (event.sessionId === undefined) continue;
    const span = spans.get(event.sessionId);
    if (span === undefined) spans.set(event.sessionId, [event.timestamp, event.timestamp]);
    else span[1] = event.timestamp; // events() is oldest first
  }
  return [...spans]
    .map(([id, [started, last]]): [string, string, string] => [id, started, last])
    .sort((a, b) => (a[2] === b[2] ? a[0].localeCompare(b[0]) : b[2].localeCompare(a[2])));
}

function spansOf(sessions: SessionSummary[]): Array<[string, string, string]> {
  return sessions.map((session) => [session.sessionId, session.startedAt, session.lastActivityAt]);
}

async function expectSessionsMatchEvents(store: SqliteStore) {
  for (const sinceMs of [undefined, END_MS - 3 * DAY_MS - 12_345]) {
    const filter = sinceMs === undefined ? {} : { sinceMs };
    expect(spansOf(await store.listSessions({ filter }))).toEqual(
      await sessionsFromEvents(store, sinceMs),
    );
    const latest = await store.listSessions({ filter, limit: 2 });
    expect(spansOf(latest)).toEqual((await sessionsFromEvents(store, sinceMs)).slice(0, 2));
    for (const session of latest) {
      const sessionFilter = { ...filter, sessionId: session.sessionId };
      const { totals } = await store.aggregate({ filter: sessionFilter, timeZone: "UTC" });
      expect(session.totalRequests).toBe(totals.totalRequests);
      expect(session.totalCostUsd).toBe(totals.totalCostUsd);
    }
  }
}

function batches(events: UsageEvent[], size: number): UsageEvent[][] {
  const list: UsageEvent[][] = [];
  for (let start = 0; start < events.length; start += size)
    list.push(events.slice(start, start + size));
  return list;
}

describe("the SQLite ledger's daily and hourly rollups and sessions table", () => {
  it("answer exactly like an event scan after appends, replays, deletes and retention", async () => {
    const pair = openPair();
    const events = sampleEvents(3000, { seed: 5, endMs: END_MS, spanMs: 10 * DAY_MS });
    for (const batch of batches(events, 250)) pair.rollups.appendSync(batch);
    // A replay changes nothing, and a late batch adds to rollups that already exist.
    for (const batch of batches(events.slice(0, 700), 350)) pair.rollups.appendSync(batch);
    pair.rollups.appendSync(
      sampleEvents(400, { seed: 6, endMs: END_MS, spanMs: 10 * DAY_MS, idPrefix: "late" }),
    );
    await expectRollupsMatchEvents(pair);
    await expectSessionsMatchEvents(pair.rollups);

    await pair.rollups.delete({ sessionId: "session-2" });
    await pair.rollups.delete({
      sinceMs: END_MS - 4 * DAY_MS - 5_000,
      untilMs: END_MS - 3 * DAY_MS,
    });
    await pair.rollups.enforceRetention({ maxAgeMs: 8 * DAY_MS + 3_333, nowMs: END_MS });
    await expectRollupsMatchEvents(pair);
    await expectSessionsMatchEvents(pair.rollups);
    await pair.rollups.close();
    await pair.scan.close();
  });

  it("answer exactly like an event scan after costs change (priced, repriced, made unpriced)", async () => {
    const pair = openPair();
    const events = sampleEvents(3000, { seed: 11, endMs: END_MS, spanMs: 10 * DAY_MS });
    pair.rollups.appendSync(events);
    const random = createRandom(12);
    const changed = events
      .filter(() => random() < 0.4)
      .map((event, index) => {
        // A third lose their cost, the rest get a new one (unpriced ones become priced).
        if (index % 3 === 0) return { ...event, costUsd: undefined };
        return { ...event, costUsd: Math.round(random() * 1e6) / 1e9 };
      });
    expect(changed.some((event) => event.cached === true)).toBe(true);
    for (const batch of batches(changed, 400))
      expect(await pair.rollups.updateCosts?.(batch)).toBe(batch.length);
    // An hour whose rollup rows are gone (a ledger damaged by hand) is rebuilt from its events.
    const lost = changed[0]!;
    const lostHour = Math.floor(Date.parse(lost.timestamp) / HOUR_MS) * HOUR_MS;
    const raw = new DatabaseSync(pair.path);
    raw.prepare("DELETE FROM rollups WHERE hour_ms = ?").run(lostHour);
    raw.close();
    expect(await pair.rollups.updateCosts?.([{ ...lost, costUsd: 0.5 }])).toBe(1);
    // An event the ledger does not hold is not counted and shifts nothing.
    expect(
      await pair.rollups.updateCosts?.([{ ...events[0]!, id: "never-stored", costUsd: 1 }]),
    ).toBe(0);
    await expectRollupsMatchEvents(pair);
    await pair.rollups.close();
    await pair.scan.close();
  });

  it("stay exact when updateCosts is given the costs read before, also stale ones", async () => {
    const pair = openPair();
    const events = sampleEvents(2000, { seed: 13, endMs: END_MS, spanMs: 10 * DAY_MS });
    pair.rollups.appendSync(events);
    const random = createRandom(14);
    const changed = events.map((event) => ({
      ...event,
      costUsd: Math.round(random() * 1e6) / 1e9,
    }));
    // Every fifth cost "read" is stale (another writer changed the row since): that row is
    // written from what is stored, so the rollups still shift by the real difference.
    const previous = events.map((event, index) =>
      index % 5 === 0 ? (event.costUsd ?? 0) + 0.25 : event.costUsd,
    );
    for (let start = 0; start < changed.length; start += 500)
      expect(
        await pair.rollups.updateCosts?.(
          changed.slice(start, start + 500),
          previous.slice(start, start + 500),
        ),
      ).toBe(500);
    expect(
      await pair.rollups.updateCosts?.(
        [{ ...events[0]!, id: "never-stored", costUsd: 1 }],
        [undefined],
      ),
    ).toBe(0);
    await expectRollupsMatchEvents(pair);
    const stored = new Map<string, number | undefined>();
    for await (const event of pair.rollups.events()) stored.set(event.id, event.costUsd);
    expect(changed.every((event) => stored.get(event.id) === event.costUsd)).toBe(true);
    await pair.rollups.close();
    await pair.scan.close();
  });

  it("migrates a schema-2 ledger: day rollups and sessions built from what is stored", async () => {
    const pair = openPair();
    const events = sampleEvents(1500, { seed: 9, endMs: END_MS, spanMs: 10 * DAY_MS });
    for (const batch of batches(events, 300)) pair.rollups.appendSync(batch);
    const before = await pair.rollups.aggregate({
      filter: {},
      groupBy: ["model"],
      timeZone: "UTC",
    });
    const sessionsBefore = await pair.rollups.listSessions();
    await pair.rollups.close();
    await pair.scan.close();

    // Back to schema 2: what a ledger written by the previous release looks like.
    const db = new DatabaseSync(pair.path);
    db.exec("DROP TABLE day_rollups; DROP TABLE sessions; PRAGMA user_version = 2");
    db.close();

    const reopened = {
      rollups: createSqliteStore(pair.path),
      scan: createSqliteStore(pair.path, { useRollups: false }),
    };
    const check = new DatabaseSync(pair.path);
    expect(check.prepare("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    const days = check.prepare("SELECT COUNT(*) AS n FROM day_rollups").get() as { n: number };
    expect(days.n).toBeGreaterThan(0);
    check.close();
    expectSameResult(
      await reopened.rollups.aggregate({ filter: {}, groupBy: ["model"], timeZone: "UTC" }),
      before,
      "after migration",
    );
    expect(await reopened.rollups.listSessions()).toEqual(sessionsBefore);
    await expectRollupsMatchEvents(reopened);
    await reopened.rollups.close();
    await reopened.scan.close();
  });
});
