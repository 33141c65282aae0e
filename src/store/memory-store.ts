import { aggregateEvents, matchesFilter } from "../stats/aggregate-events.ts";
import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import type { AggregateQuery, AggregateResult, SessionSummary, UsageStore } from "./usage-store.ts";

/** A `UsageStore` in memory: for tests and short scripts. Lost when the process exits. */
export function createMemoryStore(): UsageStore {
  const eventsById = new Map<string, UsageEvent>();

  function* selected(filter: UsageFilter): Generator<UsageEvent> {
    for (const event of eventsById.values()) if (matchesFilter(event, filter)) yield event;
  }

  const store: UsageStore = {
    async append(events) {
      let inserted = 0;
      for (const event of events) {
        if (eventsById.has(event.id)) continue;
        eventsById.set(event.id, event);
        inserted += 1;
      }
      return inserted;
    },
    async aggregate(query: AggregateQuery): Promise<AggregateResult> {
      return aggregateEvents([...selected(query.filter)], {
        groupBy: query.groupBy ?? [],
        timeZone: query.timeZone,
      });
    },
    async listSessions(options = {}) {
      const bySession = new Map<string, UsageEvent[]>();
      for (const event of selected(options.filter ?? {})) {
        if (event.sessionId === undefined) continue;
        let list = bySession.get(event.sessionId);
        if (list === undefined) {
          list = [];
          bySession.set(event.sessionId, list);
        }
        list.push(event);
      }
      const sessions: SessionSummary[] = [];
      for (const [sessionId, events] of bySession) {
        const times = events.map((event) => event.timestamp).sort();
        const { totals } = aggregateEvents(events, { timeZone: "UTC" });
        sessions.push({
          sessionId,
          startedAt: times[0]!,
          lastActivityAt: times[times.length - 1]!,
          ...totals,
        });
      }
      sessions.sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : -1));
      return options.limit === undefined ? sessions : sessions.slice(0, options.limit);
    },
    async delete(filter) {
      let deleted = 0;
      for (const event of [...selected(filter)]) {
        eventsById.delete(event.id);
        deleted += 1;
      }
      return deleted;
    },
    async updateCosts(events) {
      let found = 0;
      for (const event of events) {
        const stored = eventsById.get(event.id);
        if (stored === undefined || stored.timestamp !== event.timestamp) continue;
        eventsById.set(event.id, event);
        found += 1;
      }
      return found;
    },
    async *events(filter = {}) {
      const list = [...selected(filter)];
      list.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
      yield* list;
    },
    async enforceRetention(policy) {
      let deleted = 0;
      if (policy.maxAgeMs !== undefined) {
        deleted += await store.delete({ untilMs: (policy.nowMs ?? Date.now()) - policy.maxAgeMs });
      }
      if (policy.maxBytes !== undefined) {
        // Approximate size: the events as JSON. Oldest go first.
        let size = 0;
        for (const event of eventsById.values()) size += JSON.stringify(event).length;
        const oldestFirst = [...eventsById.values()].sort((a, b) =>
          a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0,
        );
        for (const event of oldestFirst) {
          if (size <= policy.maxBytes) break;
          size -= JSON.stringify(event).length;
          eventsById.delete(event.id);
          deleted += 1;
        }
        return { deleted, sizeBytes: size };
      }
      return { deleted };
    },
    async close() {},
  };
  return store;
}
