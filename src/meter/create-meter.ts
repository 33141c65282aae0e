import { resolveConfig } from "../config/resolve-config.ts";
import type { SettingName } from "../config/settings.ts";
import { aggregateEvents, matchesFilter } from "../stats/aggregate-events.ts";
import { resolvePeriod } from "../stats/period.ts";
import { localTimeZone } from "../stats/time-buckets.ts";
import type { UsageGroup, UsageStats } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import { normalizeUsageEvent } from "../usage/normalize-usage-event.ts";
import type { Attribution, UsageEvent, UsageKind } from "../usage/usage-event.ts";
import { ActiveTracker } from "./active-tracker.ts";
import {
  type AttributionInput,
  currentAttribution,
  mergeAttribution,
  toAttribution,
} from "./attribution.ts";
import { consoleDiagnostics, Diagnostics, type DiagnosticsLogger } from "./diagnostics.ts";
import { LiveWindow } from "./live-window.ts";
import { createNoopMeter } from "./noop-meter.ts";
import { SinkChannel } from "./sink-channel.ts";
import type {
  CostBreakdownReport,
  CostShare,
  EventPricer,
  Meter,
  MeterHealth,
  RecordInput,
  StatsQuery,
  Tracker,
  TrackerHandle,
  TrackInfo,
  UsageCallback,
  UsageSink,
} from "./types.ts";

export interface MeterOptions {
  /** Record at all. Default true (`LLMETER_ENABLED`). */
  enabled?: boolean;
  /** Events kept in memory for `getStats()`. Default 10,000 (`LLMETER_MAX_HISTORY`). */
  maxHistory?: number;
  /** Events buffered per sink while it is slow or failing. Default 100,000. */
  maxBufferedEvents?: number;
  /** IANA zone for day/week/month buckets. Default the machine's (`LLMETER_TZ`). */
  timeZone?: string;
  /** Receive every finished event, off the caller's stack. */
  sinks?: Array<UsageSink | UsageCallback>;
  /** Prices events that have no cost yet. */
  pricing?: EventPricer;
  /** Where events are kept; written through a batching sink. */
  store?: UsageStore;
  /** Attribution and attributes added to every event (context and per-call values win). */
  attributes?: AttributionInput;
  /** Where llmeter reports its own trouble. Default: stderr, once per problem. */
  diagnostics?: DiagnosticsLogger;
  /** The clock for stats periods, in ms since the epoch. For tests. */
  now?: () => number;
  /** Where to read `LLMETER_*` variables and `.llmeter/config.json` from. */
  configContext?: { env?: NodeJS.ProcessEnv; cwd?: string };
}

const SINK_BATCH_SIZE = 1000;

/**
 * Creates a meter. Options win over `LLMETER_*` environment variables, which win over
 * `.llmeter/config.json`. Throws a `ConfigError` for a bad setting; never throws afterwards.
 *
 * @example
 * const meter = createMeter({ sinks: [(event) => console.log(event.costUsd)] });
 * meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1200, outputTokens: 300 });
 */
export function createMeter(options: MeterOptions = {}): Meter {
  const settings: Partial<Record<SettingName, unknown>> = {
    enabled: options.enabled,
    maxHistory: options.maxHistory,
    maxBufferedEvents: options.maxBufferedEvents,
    timeZone: options.timeZone,
  };
  const { values } = resolveConfig(settings, options.configContext);
  if (!values.enabled) return createNoopMeter();
  return new RecordingMeter(options, {
    maxHistory: values.maxHistory,
    maxBufferedEvents: values.maxBufferedEvents,
    timeZone: values.timeZone ?? localTimeZone(),
  });
}

class RecordingMeter implements Meter {
  readonly enabled = true;
  private pending: RecordInput[] = [];
  private drainScheduled = false;
  private closed = false;
  private readonly window: LiveWindow;
  private readonly channels: SinkChannel[];
  private readonly diagnostics: Diagnostics;
  private readonly staticAttribution: Attribution | undefined;
  private readonly pricing: EventPricer | undefined;
  private readonly timeZone: string;
  private readonly now: () => number;
  private readonly health = { recorded: 0, corrected: 0, priced: 0, unpriced: 0 };
  private readonly drainBound = () => this.drain();

  constructor(
    options: MeterOptions,
    settings: { maxHistory: number; maxBufferedEvents: number; timeZone: string },
  ) {
    this.diagnostics = new Diagnostics(options.diagnostics ?? consoleDiagnostics);
    this.window = new LiveWindow(settings.maxHistory);
    this.timeZone = settings.timeZone;
    this.now = options.now ?? Date.now;
    this.pricing = options.pricing;
    this.staticAttribution =
      options.attributes === undefined ? undefined : toAttribution(options.attributes);
    const sinks: UsageSink[] = (options.sinks ?? []).map((sink, index) =>
      typeof sink === "function" ? callbackSink(sink, index) : sink,
    );
    if (options.store !== undefined) sinks.unshift(storeSink(options.store));
    this.channels = sinks.map(
      (sink, index) =>
        new SinkChannel(sink, {
          name: sink.name ?? `sink-${index}`,
          maxBuffered: settings.maxBufferedEvents,
          batchSize: sink.batchSize ?? SINK_BATCH_SIZE,
          diagnostics: this.diagnostics,
        }),
    );
  }

  track<T>(info: TrackInfo, fn: (tracker: Tracker) => T): T {
    const tracker = new ActiveTracker(info, this.submitBound);
    let result: T;
    try {
      result = fn(tracker);
    } catch (error) {
      tracker.setError(error);
      tracker.end();
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          tracker.end();
          return value;
        },
        (error: unknown) => {
          tracker.setError(error);
          tracker.end();
          throw error;
        },
      ) as T;
    }
    tracker.end();
    return result;
  }

  start(info: TrackInfo): TrackerHandle {
    return new ActiveTracker(info, this.submitBound);
  }

  record(event: RecordInput): void {
    this.submit({ ...event });
  }

  recordLlm(event: RecordInput): void {
    this.submit(withKind(event, "llm"));
  }

  recordEmbedding(event: RecordInput): void {
    this.submit(withKind(event, "embedding"));
  }

  recordOcr(event: RecordInput): void {
    this.submit(withKind(event, "ocr"));
  }

  getStats(query: StatsQuery = {}): UsageStats {
    this.drain();
    const { period = "24h", ...filters } = query;
    const { sinceMs, untilMs, resolved } = resolvePeriod(period, this.now());
    const filter = { ...filters, sinceMs, untilMs };
    const { totals, groupsBy, errorsByType } = aggregateEvents(
      [...this.window].filter((event) => matchesFilter(event, filter)),
      { groupBy: ["provider", "model", "tenant", "user"], timeZone: this.timeZone },
    );
    return {
      period: resolved,
      filters,
      ...totals,
      byProvider: byKey(groupsBy.provider),
      byModel: byKey(groupsBy.model),
      byTenant: byKey(groupsBy.tenant),
      byUser: byKey(groupsBy.user),
      errorsByType,
    };
  }

  getCostBreakdown(query: { period?: string } = {}): CostBreakdownReport {
    const stats = this.getStats(query);
    return {
      period: stats.period,
      totalCostUsd: stats.totalCostUsd,
      totalRequests: stats.totalRequests,
      byProvider: Object.values(stats.byProvider).map(toCostShare),
      byModel: Object.values(stats.byModel).map(toCostShare),
    };
  }

  getTenantStats(tenantId: string, query: Omit<StatsQuery, "tenantId"> = {}): UsageStats {
    return this.getStats({ ...query, tenantId });
  }

  getHealth(): MeterHealth {
    this.drain();
    const droppedBySink: Record<string, number> = {};
    const sinkFailures: Record<string, number> = {};
    for (const channel of this.channels) {
      droppedBySink[channel.name] = channel.dropped;
      sinkFailures[channel.name] = channel.failures;
    }
    return { ...this.health, droppedBySink, sinkFailures };
  }

  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    this.drain();
    const idle = Promise.all(this.channels.map((channel) => channel.whenIdle())).then(() => {});
    if (options.timeoutMs === undefined) return idle;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.diagnostics.report(
          "warn",
          `flush gave up after ${options.timeoutMs} ms: a sink is still busy; its events stay buffered`,
        );
        resolve();
      }, options.timeoutMs);
    });
    await Promise.race([idle, timeout]);
    clearTimeout(timer);
  }

  async shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.flush(options);
    this.closed = true;
    await Promise.all(this.channels.map((channel) => channel.close()));
  }

  // Runs on the caller's stack: capture attribution, queue, schedule. Nothing else.
  private submit(event: RecordInput): void {
    if (this.closed) return;
    const attribution = currentAttribution();
    if (attribution !== undefined) (event as { context?: Attribution }).context = attribution;
    this.pending.push(event);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainBound);
    }
  }

  private readonly submitBound = (event: RecordInput) => this.submit(event);

  // Off the caller's stack: validate, attribute, price, then hand to the window and the sinks.
  private drain(): void {
    this.drainScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const input of batch) {
      const event = this.enrich(input);
      this.window.add(event);
      for (const channel of this.channels) channel.push(event);
    }
  }

  private enrich(input: RecordInput & { context?: Attribution }): UsageEvent {
    const { context, timestamp, ...fields } = input;
    const attribution = mergeAttribution(
      mergeAttribution(this.staticAttribution, context),
      toAttribution(fields),
    );
    const raw = {
      ...fields,
      ...attribution,
      timestamp:
        timestamp instanceof Date || typeof timestamp === "number"
          ? new Date(timestamp).toISOString()
          : timestamp,
    };
    const { event, problems } = normalizeUsageEvent(raw, { nowMs: this.now() });
    this.health.recorded += 1;
    if (problems.length > 0) {
      this.health.corrected += 1;
      for (const problem of problems) {
        const field = problem.slice(0, problem.indexOf(":"));
        this.diagnostics.once(`invalid:${field}`, "warn", `usage event corrected: ${problem}`);
      }
    }
    this.price(event);
    return event;
  }

  private price(event: UsageEvent): void {
    if (event.costUsd !== undefined) {
      event.priceSource ??= "manual";
      return;
    }
    if (event.cached === true && !event.inputTokens && !event.outputTokens) {
      // A response cache hit bills nothing.
      event.costUsd = 0;
      event.priceSource = "manual";
      return;
    }
    if (this.pricing === undefined) return;
    let priced: ReturnType<EventPricer["priceEvent"]> = null;
    try {
      priced = this.pricing.priceEvent(event);
    } catch (error) {
      this.diagnostics.once("pricing-failed", "error", "pricing an event failed", error);
    }
    if (priced === null) {
      this.health.unpriced += 1;
      return;
    }
    this.health.priced += 1;
    event.costUsd = priced.costUsd;
    event.costBreakdown = priced.breakdown;
    event.priceSource = priced.source;
    if (priced.entryId !== undefined) event.priceEntryId = priced.entryId;
    if (priced.catalogVersion !== undefined) event.catalogVersion = priced.catalogVersion;
  }
}

function withKind(event: RecordInput, kind: UsageKind): RecordInput {
  return { ...event, kind };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function byKey(groups: UsageGroup[] | undefined): Record<string, UsageGroup> {
  const result: Record<string, UsageGroup> = {};
  for (const group of groups ?? []) result[group.key] = group;
  return result;
}

function toCostShare(group: UsageGroup): CostShare {
  return {
    key: group.key,
    costUsd: group.totalCostUsd,
    sharePercent: group.costSharePercent,
    requests: group.totalRequests,
    avgCostPerRequest: group.avgCostPerRequest,
  };
}

function callbackSink(callback: UsageCallback, index: number): UsageSink {
  return {
    name: callback.name || `callback-${index}`,
    // One event per write, never retried: a callback that throws for one event costs only that one.
    batchSize: 1,
    maxAttempts: 1,
    async write(events) {
      for (const event of events) await callback(event);
    },
  };
}

function storeSink(store: UsageStore): UsageSink {
  return {
    name: "ledger",
    maxAttempts: 5,
    async write(events) {
      await store.append(events);
    },
    close: () => store.close(),
  };
}
