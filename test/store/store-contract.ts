import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { aggregateEvents, matchesFilter } from "../../src/stats/aggregate-events.ts";
import type { GroupBy, UsageFilter } from "../../src/stats/usage-stats.ts";
import { loadProviderCostDrift } from "../../src/store/provider-cost-drift.ts";
import type { AggregateResult, UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { sampleEvents } from "./sample-events.ts";

/** How a store may differ from the in-memory reference. */
export interface StoreContractOptions {
  /**
   * Allowed relative error on percentiles (0 = exact percentile_cont). A sketch-based store
   * states its bound here (e.g. 0.01).
   */
  percentileRelativeError?: number;
}

const ALL_GROUPS: GroupBy[] = [
  "provider",
  "model",
  "tenant",
  "user",
  "session",
  "kind",
  "day",
  "week",
  "month",
];

/** The totals fields that are percentiles (a sketch-based store may be off by its accuracy). */
export const PERCENTILE_KEYS = new Set([
  "latencyP50",
  "latencyP95",
  "latencyP99",
  "timeToFirstTokenP50",
  "timeToFirstTokenP95",
  "timeToFirstTokenP99",
]);

async function collect(iterable: AsyncIterable<UsageEvent>): Promise<UsageEvent[]> {
  const events: UsageEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

function byTime(a: UsageEvent, b: UsageEvent): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0;
}

/** Compares numbers with a relative tolerance (floating sums may be added in another order). */
function expectClose(actual: unknown, expected: unknown, path: string, percentileError: number) {
  if (typeof expected === "number" && typeof actual === "number") {
    const key = path.slice(path.lastIndexOf(".") + 1);
    const tolerance = PERCENTILE_KEYS.has(key) ? percentileError : 1e-9;
    const allowed = Math.max(Math.abs(expected) * tolerance, 1e-9);
    if (Math.abs(actual - expected) > allowed) {
      expect.fail(`${path}: expected ${expected}, got ${actual} (allowed ±${allowed})`);
    }
    return;
  }
  if (expected !== null && typeof expected === "object") {
    expect(actual, path).toBeTypeOf("object");
    const actualObject = actual as Record<string, unknown>;
    const expectedObject = expected as Record<string, unknown>;
    expect(Object.keys(actualObject).sort(), `${path} keys`).toEqual(
      Object.keys(expectedObject).sort(),
    );
    for (const key of Object.keys(expectedObject)) {
      expectClose(actualObject[key], expectedObject[key], `${path}.${key}`, percentileError);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}

/** Asserts a store's aggregate against `aggregateEvents` over the same events. */
function expectSameAggregate(
  actual: AggregateResult,
  expected: AggregateResult,
  options: StoreContractOptions,
) {
  // Groups are compared by key, then their order separately (ties may be ordered differently).
  const normalize = (result: AggregateResult) => ({
    totals: result.totals,
    errorsByType: result.errorsByType,
    groupsBy: Object.fromEntries(
      Object.entries(result.groupsBy).map(([groupBy, groups]) => [
        groupBy,
        Object.fromEntries((groups ?? []).map((group) => [group.key, group])),
      ]),
    ),
  });
  expectClose(
    normalize(actual),
    normalize(expected),
    "result",
    options.percentileRelativeError ?? 0,
  );
}

/**
 * The behaviour every `UsageStore` must have. Run it against each implementation:
 *
 * describeUsageStoreContract("sqlite", async () => createSqliteStore(tempFile()));
 *
 * `createStore` must return a new, empty store each time.
 */
export function describeUsageStoreContract(
  name: string,
  createStore: () => Promise<UsageStore>,
  options: StoreContractOptions = {},
): void {
  describe(`UsageStore contract: ${name}`, () => {
    let store: UsageStore;
    const events = sampleEvents(600, { seed: 7 });
    const timeZone = "America/New_York";

    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it("appends idempotently: a replayed batch adds nothing and changes no total", async () => {
      expect(await store.append(events.slice(0, 400))).toBe(400);
      const before = await store.aggregate({ filter: {}, timeZone });
      // Overlapping replay: 200 old, 200 new.
      expect(await store.append(events.slice(200, 600))).toBe(200);
      expect(await store.append(events)).toBe(0);
      const after = await store.aggregate({ filter: {}, timeZone });
      expect(after.totals.totalRequests).toBe(600);
      expect(before.totals.totalRequests).toBe(400);
      expectSameAggregate(after, aggregateEvents(events, { timeZone }), options);
    });

    it("skips duplicate ids inside one batch", async () => {
      const first = events[0]!;
      expect(await store.append([first, { ...first }, first])).toBe(1);
      expect((await collect(store.events())).length).toBe(1);
    });

    it("answers the same totals, breakdowns, percentiles and errors as the reference", async () => {
      await store.append(events);
      const result = await store.aggregate({ filter: {}, groupBy: ALL_GROUPS, timeZone });
      expectSameAggregate(
        result,
        aggregateEvents(events, { groupBy: ALL_GROUPS, timeZone }),
        options,
      );
      // Time buckets come out in time order, other breakdowns by cost.
      const days = result.groupsBy.day!.map((group) => group.key);
      expect(days).toEqual([...days].sort());
      const costs = result.groupsBy.model!.map((group) => group.totalCostUsd);
      expect(costs).toEqual([...costs].sort((a, b) => b - a));
    });

    it("filters by period, tenant, user, session, provider, model and kind", async () => {
      await store.append(events);
      const times = events.map((event) => Date.parse(event.timestamp)).sort((a, b) => a - b);
      const filters: UsageFilter[] = [
        { tenantId: "acme" },
        { userId: "user-3" },
        { sessionId: "session-2" },
        { provider: "anthropic" },
        { model: "gpt-4o-mini" },
        { kind: "embedding" },
        { sinceMs: times[100]!, untilMs: times[400]! },
        { tenantId: "globex", provider: "openai", sinceMs: times[50]! },
        { tenantId: "nobody" },
      ];
      for (const filter of filters) {
        const expected = aggregateEvents(
          events.filter((event) => matchesFilter(event, filter)),
          { groupBy: ["model", "day"], timeZone },
        );
        const actual = await store.aggregate({ filter, groupBy: ["model", "day"], timeZone });
        expectSameAggregate(actual, expected, options);
      }
      const empty = await store.aggregate({ filter: { tenantId: "nobody" }, timeZone });
      expect(empty.totals.totalRequests).toBe(0);
      expect(empty.totals.latencyP50).toBeUndefined();
    });

    it("returns every event losslessly, oldest first, and honours the filter", async () => {
      await store.append(events);
      const all = await collect(store.events());
      expect(all).toEqual([...events].sort(byTime));
      const acme = await collect(store.events({ tenantId: "acme" }));
      expect(acme.map((event) => event.id).sort()).toEqual(
        events
          .filter((event) => event.tenantId === "acme")
          .map((event) => event.id)
          .sort(),
      );
    });

    it("lists sessions, most recent first, with their aggregates", async () => {
      await store.append(events);
      const sessions = await store.listSessions();
      const ids = new Set(events.flatMap((event) => event.sessionId ?? []));
      expect(sessions.map((session) => session.sessionId).sort()).toEqual([...ids].sort());
      for (const session of sessions) {
        const own = events.filter((event) => event.sessionId === session.sessionId);
        const times = own.map((event) => event.timestamp).sort();
        expect(session.startedAt).toBe(times[0]);
        expect(session.lastActivityAt).toBe(times[times.length - 1]);
        const { totals } = aggregateEvents(own, { timeZone: "UTC" });
        const { sessionId: _id, startedAt: _start, lastActivityAt: _last, ...sums } = session;
        expectClose(
          sums,
          totals,
          `session ${session.sessionId}`,
          options.percentileRelativeError ?? 0,
        );
      }
      const activity = sessions.map((session) => session.lastActivityAt);
      expect(activity).toEqual([...activity].sort().reverse());
      expect(await store.listSessions({ limit: 2 })).toHaveLength(2);
      const acme = await store.listSessions({ filter: { tenantId: "acme" } });
      for (const session of acme) {
        expect(session.totalRequests).toBe(
          events.filter((e) => e.sessionId === session.sessionId && e.tenantId === "acme").length,
        );
      }
    });

    it("deletes by session, by period and everything", async () => {
      await store.append(events);
      const inSession = events.filter((event) => event.sessionId === "session-1").length;
      expect(await store.delete({ sessionId: "session-1" })).toBe(inSession);
      expect(await collect(store.events({ sessionId: "session-1" }))).toEqual([]);
      const remaining = events.filter((event) => event.sessionId !== "session-1");
      const cut = Date.parse([...remaining].sort(byTime)[100]!.timestamp);
      const older = remaining.filter((event) => Date.parse(event.timestamp) < cut).length;
      expect(await store.delete({ untilMs: cut })).toBe(older);
      const left = await store.aggregate({ filter: {}, timeZone });
      expect(left.totals.totalRequests).toBe(remaining.length - older);
      expect(await store.delete({})).toBe(remaining.length - older);
      expect((await store.aggregate({ filter: {}, timeZone })).totals.totalRequests).toBe(0);
    });

    it("enforces a maximum age", async () => {
      await store.append(events);
      const nowMs = Date.UTC(2026, 10, 20, 12);
      const maxAgeMs = 3 * 86_400_000;
      const old = events.filter((event) => Date.parse(event.timestamp) < nowMs - maxAgeMs).length;
      const result = await store.enforceRetention({ maxAgeMs, nowMs });
      expect(result.deleted).toBe(old);
      const left = await collect(store.events());
      expect(left.length).toBe(events.length - old);
      expect(left.every((event) => Date.parse(event.timestamp) >= nowMs - maxAgeMs)).toBe(true);
    });

    it("buckets days in the asked time zone around midnight and across a DST change", async () => {
      const at = (iso: string, id: string): UsageEvent => ({
        id,
        timestamp: new Date(iso).toISOString(),
        kind: "llm",
        operation: "chat",
        provider: "openai",
        model: "gpt-4o",
        success: true,
        costUsd: 1,
      });
      await store.append([
        // 23:30 and 00:30 New York time on the night summer time starts (2026-03-08, 02:00 → 03:00).
        at("2026-03-08T04:30:00Z", "a"), // 2026-03-07 23:30 EST
        at("2026-03-08T05:30:00Z", "b"), // 2026-03-08 00:30 EST
        at("2026-03-09T03:30:00Z", "c"), // 2026-03-08 23:30 EDT (UTC-4 now)
        at("2026-03-09T04:30:00Z", "d"), // 2026-03-09 00:30 EDT
        at("2026-03-31T23:30:00Z", "e"), // 2026-04-01 01:30 in Paris (CEST)
        at("2026-03-09T18:29:00Z", "f"), // 2026-03-09 23:59 in Kolkata (UTC+5:30)
        at("2026-03-09T18:31:00Z", "g"), // 2026-03-10 00:01 in Kolkata
      ]);
      const newYork = await store.aggregate({
        filter: {},
        groupBy: ["day", "month"],
        timeZone: "America/New_York",
      });
      expect(newYork.groupsBy.day!.map((group) => [group.key, group.totalRequests])).toEqual([
        ["2026-03-07", 1],
        ["2026-03-08", 2],
        ["2026-03-09", 3],
        ["2026-03-31", 1],
      ]);
      const paris = await store.aggregate({
        filter: {},
        groupBy: ["day", "month"],
        timeZone: "Europe/Paris",
      });
      expect(paris.groupsBy.month!.map((group) => [group.key, group.totalRequests])).toEqual([
        ["2026-03", 6],
        ["2026-04", 1],
      ]);
      const utc = await store.aggregate({ filter: {}, groupBy: ["day"], timeZone: "UTC" });
      expect(utc.groupsBy.day!.map((group) => group.key)).toEqual([
        "2026-03-08",
        "2026-03-09",
        "2026-03-31",
      ]);
      // India is UTC+5:30: its midnight is not on a UTC hour.
      const kolkata = await store.aggregate({
        filter: {},
        groupBy: ["day"],
        timeZone: "Asia/Kolkata",
      });
      expect(kolkata.groupsBy.day!.map((group) => [group.key, group.totalRequests])).toEqual([
        ["2026-03-08", 2],
        ["2026-03-09", 3],
        ["2026-03-10", 1],
        ["2026-04-01", 1],
      ]);
    });

    it("sums provider-reported costs and their estimates per model, only where the provider billed", async () => {
      const call = (index: number, fields: Partial<UsageEvent>): UsageEvent => ({
        id: `0190a1b2-0000-7000-8000-${String(900 + index).padStart(12, "0")}`,
        timestamp: `2026-05-0${1 + (index % 5)}T10:00:00.000Z`,
        kind: "llm",
        operation: "chat",
        provider: "xai",
        model: "grok-3",
        success: true,
        inputTokens: 1000,
        outputTokens: 100,
        ...fields,
      });
      await store.append([
        call(1, { costUsd: 0.0054, priceSource: "provider", estimatedCostUsd: 0.0045 }),
        call(2, { costUsd: 0.0000054321, priceSource: "provider", estimatedCostUsd: 0.0000045 }),
        // No estimate (the catalog had no price): counted apart, not compared.
        call(3, { costUsd: 0.002, priceSource: "provider" }),
        // Priced by the catalog, or by another provider: not the providers' bills compared here.
        call(4, { costUsd: 0.0045, priceSource: "catalog" }),
        call(5, { provider: "openai", costUsd: 1, priceSource: "provider", estimatedCostUsd: 2 }),
        call(6, {
          provider: "openrouter",
          model: "x-ai/grok-3",
          costUsd: 0.00454,
          priceSource: "provider",
          estimatedCostUsd: 0.0045,
        }),
        // Outside the filter below.
        call(7, {
          timestamp: "2026-06-01T10:00:00.000Z",
          costUsd: 5,
          priceSource: "provider",
          estimatedCostUsd: 1,
        }),
      ]);
      const drift = await loadProviderCostDrift(store, {
        sinceMs: Date.parse("2026-05-01T00:00:00.000Z"),
        untilMs: Date.parse("2026-06-01T00:00:00.000Z"),
      });
      expect(drift.models).toEqual([
        {
          provider: "xai",
          model: "grok-3",
          requests: 2,
          withoutEstimate: 1,
          providerCostUsd: 0.005405432,
          estimatedCostUsd: 0.0045045,
          driftPercent: ((5_405_432 - 4_504_500) / 4_504_500) * 100,
          exceedsThreshold: true,
        },
        {
          provider: "openrouter",
          model: "x-ai/grok-3",
          requests: 1,
          withoutEstimate: 0,
          providerCostUsd: 0.00454,
          estimatedCostUsd: 0.0045,
          driftPercent: ((4_540_000 - 4_500_000) / 4_500_000) * 100,
          exceedsThreshold: false,
        },
      ]);
    });

    it("handles concurrent appends without losing or doubling events", async () => {
      const batches = [0, 1, 2, 3].map((part) => events.slice(part * 150, part * 150 + 150));
      const counts = await Promise.all(
        [...batches, ...batches].map((batch) => store.append(batch)),
      );
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(600);
      expect((await store.aggregate({ filter: {}, timeZone })).totals.totalRequests).toBe(600);
    });
  });
}
