import { randomUUID } from "node:crypto";
import { resolve as resolvePath } from "node:path";
import { readLedgerAlertRules } from "../alerts/ledger-alert-rules.ts";
import {
  createHealthAlerts,
  type HealthAlertsRuntime,
  type MeterHealthAlerts,
  type MeterHealthAlertsView,
} from "../alerts/meter-health-alerts.ts";
import type { BudgetManager, BudgetReservation } from "../budgets/budget-manager.ts";
import {
  createBudgetManager,
  type MeterBudgets,
  sqliteLocation,
} from "../budgets/create-budget-manager.ts";
import type { Environment } from "../config/environment.ts";
import type { OtelSettingValue } from "../config/otel-setting.ts";
import { ConfigError, type ConfigSource, resolveConfig } from "../config/resolve-config.ts";
import type { SettingName } from "../config/settings.ts";
import { createMeterOtel, type MeterOtel } from "../otel/meter-otel.ts";
import { loadCustomPriceFile } from "../pricing/custom-prices.ts";
import { fetchedPriceBookOptions } from "../pricing/fetched-catalog.ts";
import { createPriceBook } from "../pricing/price-book.ts";
import { aggregateEvents, matchesFilter } from "../stats/aggregate-events.ts";
import { resolvePeriod } from "../stats/period.ts";
import { localTimeZone } from "../stats/time-buckets.ts";
import type { UsageGroup, UsageStats } from "../stats/usage-stats.ts";
import type { RetentionPolicy, SessionSummary, UsageStore } from "../store/usage-store.ts";
import {
  isPlausibleCost,
  MAX_COST_USD,
  type NormalizeOptions,
  normalizeUsageEvent,
} from "../usage/normalize-usage-event.ts";
import type { AttributeValue, Attribution, UsageEvent, UsageKind } from "../usage/usage-event.ts";
import { ActiveTracker } from "./active-tracker.ts";
import {
  type AttributionInput,
  currentAttribution,
  mergeAttribution,
  toAttribution,
} from "./attribution.ts";
import { consoleDiagnostics, Diagnostics, type DiagnosticsLogger } from "./diagnostics.ts";
import {
  type CallStart,
  type CapturedCall,
  captureCalls,
  type MeterInstrumentation,
  registeredInstrumentations,
  runInCapturedContexts,
} from "./instrumentation.ts";
import { registerExitFlush } from "./ledger/exit-flush.ts";
import { LedgerWriter } from "./ledger/ledger-writer.ts";
import { resolveLedgerStore } from "./ledger/resolve-ledger.ts";
import { retentionFromSettings, scheduleRetention } from "./ledger/retention-schedule.ts";
import { SessionRegistry } from "./ledger/session-registry.ts";
import { LiveWindow } from "./live-window.ts";
import { unknownOptionWarnings } from "./meter-option-names.ts";
import { createNoopMeter } from "./noop-meter.ts";
import { refuseCall } from "./refuse-call.ts";
import { reportConfigWarnings } from "./report-config-warnings.ts";
import { SinkChannel } from "./sink-channel.ts";
import type {
  CostBreakdownReport,
  CostShare,
  EventPricer,
  Meter,
  MeterBudgetsView,
  MeterHealth,
  MeterSession,
  PricedCost,
  RecordInput,
  SessionOptions,
  ShutdownResult,
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
  /**
   * Prices events that have no cost yet. Default: the bundled catalog plus the price file of the
   * `prices` setting (`LLMETER_PRICES`). `false` turns pricing off.
   */
  pricing?: EventPricer | false;
  /** Deployment names and other ids → `provider/model`, e.g. `{ "my-gpt4o-prod": "openai/gpt-4o" }`. */
  modelAliases?: Record<string, string>;
  /**
   * Where events are kept, written in batches off the caller's path. Default: the SQLite ledger
   * at the `db` setting (`.llmeter/usage.db`, `LLMETER_DB`), except under a test runner when `db`
   * is not configured. `false` keeps usage in memory only.
   */
  store?: UsageStore | false;
  /** `true` turns the default ledger on even under a test runner, `false` off; a string is its path or URL. */
  ledger?: boolean | string;
  /** Write each event to the ledger before `track()`/`record()` returns (`LLMETER_SYNC_WRITES`; SQLite only). */
  syncWrites?: boolean;
  /** Ledger retention; default from `retentionDays` / `maxLedgerMb` settings (none). */
  retention?: RetentionPolicy | false;
  /** Idle time after which a `meter.session()` closes. Default 30 minutes. */
  sessionTtlMs?: number;
  /** Attribution and attributes added to every event (context and per-call values win). */
  attributes?: AttributionInput;
  /** Where llmeter reports its own trouble. Default: stderr, once per problem. */
  diagnostics?: DiagnosticsLogger;
  /**
   * How long the meter gathers events before processing them together (validate, attribute,
   * price, hand to sinks and the ledger), off the caller's stack. Default 10 ms. Processed alone,
   * an event costs several times its share of a batch (the code and data it needs have gone cold
   * in the CPU's caches since the last one), so an application making calls one after another pays
   * less CPU per call with a window. Reads (`getStats`, `getHealth`, `flush`, `budgets.status`)
   * process what is waiting first, so they never miss an event. `0` processes each event-loop
   * turn's events on the next turn.
   */
  batchWindowMs?: number;
  /**
   * The clock for stats periods, in ms since the epoch. For tests: when given, call latency and
   * time to first token are measured on it too (else on the monotonic `performance.now()`).
   */
  now?: () => number;
  /** Where to read `LLMETER_*` variables and `.llmeter/config.json` from. */
  configContext?: { env?: Environment; cwd?: string };
  /**
   * Observers of every call (OpenTelemetry). Default: the ones registered process-wide with
   * `registerInstrumentation` (which `import "llmeter/otel"` does); `[]` opts this meter out.
   */
  instrumentations?: readonly MeterInstrumentation[];
  /**
   * OpenTelemetry spans, metrics and logs for this meter's calls (`LLMETER_OTEL`, the `otel` key
   * of `.llmeter/config.json`): `true` uses the providers the application registered, like
   * `import "llmeter/otel"`; `{ endpoint, protocol, headers, ... }` also starts llmeter's own OTLP
   * export, stopped by `shutdown()`; `false` opts this meter out. Loaded lazily; see
   * docs/opentelemetry.md.
   */
  otel?: OtelSettingValue;
  /**
   * Budget rules (and alert settings): `[{ scope: "global", window: "day", limitUsd: 50, enforce: true }]`.
   * Rules from the `budgets` setting and `llmeter budget set` apply too. See docs/budgets.md.
   */
  budgets?: MeterBudgets;
  /**
   * Health alerts: p95 latency or TTFT, error rate, spend per hour or a spend spike over a rolling
   * window, fired once per breach and once on recovery. Rules from the `alerts` setting apply too.
   * See docs/alerts.md.
   */
  alerts?: MeterHealthAlerts;
  /**
   * Rewrites each event's free attributes before anything keeps or exports them (ledger, sinks,
   * spans): return them without the secrets, e.g. `({ email, ...rest }) => rest`. The result is
   * validated like any attribute; a hook that throws drops the event's attributes (reported once).
   */
  redactAttributes?: (
    attributes: Record<string, AttributeValue>,
    event: Readonly<UsageEvent>,
  ) => Record<string, AttributeValue> | undefined;
}

/** The hidden fields a raw event carries from the caller's stack to `drain`. */
type PendingInput = RecordInput & {
  context?: Attribution;
  instrumentationCalls?: CapturedCall[];
  budgetReservation?: BudgetReservation;
  estimate?: TrackInfo["estimate"];
  secrets?: TrackInfo["secrets"];
};

const SINK_BATCH_SIZE = 1000;
/** What `ingest` gives a received event instead of the caller's context and instrumentations. */
const RECEIVED_CONTEXT: Attribution = Object.freeze({});
const NO_CALLS: CapturedCall[] = [];

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
    db: typeof options.ledger === "string" ? options.ledger : undefined,
    syncWrites: options.syncWrites,
    otel: options.otel,
  };
  const { values, sources, warnings } = resolveConfig(settings, options.configContext);
  reportConfigWarnings(
    [...warnings, ...unknownOptionWarnings(options)],
    options.diagnostics ?? consoleDiagnostics,
  );
  const batchWindowMs = batchWindowOf(options.batchWindowMs);
  if (!values.enabled) return createNoopMeter();
  return new RecordingMeter(
    { ...options, batchWindowMs, pricing: defaultPricing(options, values.prices) },
    {
      maxHistory: values.maxHistory,
      maxBufferedEvents: values.maxBufferedEvents,
      timeZone: values.timeZone ?? localTimeZone(),
      db: { value: values.db, source: sources.db },
      syncWrites: values.syncWrites,
      budgetRules: values.budgets,
      alertRules: values.alerts,
      otel: values.otel,
      retention:
        options.retention === false
          ? undefined
          : (options.retention ?? retentionFromSettings(values)),
    },
  );
}

class RecordingMeter implements Meter {
  readonly enabled = true;
  private pending: PendingInput[] = [];
  private drainScheduled = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly batchWindowMs: number;
  private closed = false;
  private readonly window: LiveWindow;
  private readonly channels: SinkChannel[];
  private readonly ledger: LedgerWriter | undefined;
  private readonly ledgerStore: UsageStore | Promise<UsageStore> | undefined;
  private readonly syncWrites: boolean;
  private readonly sessions: SessionRegistry;
  private readonly stopHooks: Array<() => void> = [];
  private readonly diagnostics: Diagnostics;
  private readonly staticAttribution: Attribution | undefined;
  private readonly pricing: EventPricer | undefined;
  private readonly timeZone: string;
  private readonly now: () => number;
  /** The injected clock durations are measured on; undefined: the monotonic default. */
  private readonly elapsed: (() => number) | undefined;
  private readonly instrumentations: readonly MeterInstrumentation[] | undefined;
  private readonly otel: MeterOtel | undefined;
  private readonly health = { recorded: 0, corrected: 0, priced: 0, unpriced: 0 };
  private readonly drainBound = () => this.drain();
  private readonly budgetManager: BudgetManager | undefined;
  private readonly redactAttributes: MeterOptions["redactAttributes"];
  readonly budgets: MeterBudgetsView | undefined;
  private readonly healthAlerts: HealthAlertsRuntime | undefined;
  /** Present when the meter has health alert rules (the `alerts` option or setting). */
  readonly alerts: MeterHealthAlertsView | undefined;

  constructor(
    options: MeterOptions,
    settings: {
      maxHistory: number;
      maxBufferedEvents: number;
      timeZone: string;
      db: { value: string; source: ConfigSource };
      syncWrites: boolean;
      budgetRules?: unknown[] | undefined;
      alertRules?: unknown[] | undefined;
      otel?: OtelSettingValue | undefined;
      retention: RetentionPolicy | undefined;
    },
  ) {
    this.diagnostics = new Diagnostics(options.diagnostics ?? consoleDiagnostics);
    this.window = new LiveWindow(settings.maxHistory);
    this.timeZone = settings.timeZone;
    this.now = options.now ?? Date.now;
    this.elapsed = options.now;
    this.batchWindowMs = options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS;
    this.pricing = options.pricing === false ? undefined : options.pricing;
    this.instrumentations = options.instrumentations;
    this.otel =
      settings.otel === undefined ? undefined : createMeterOtel(settings.otel, this.diagnostics);
    this.redactAttributes = options.redactAttributes;
    this.staticAttribution =
      options.attributes === undefined ? undefined : toAttribution(options.attributes);
    this.normalizeOptions.defaultAttribution = this.staticAttribution;
    const sinks: UsageSink[] = (options.sinks ?? []).map((sink, index) =>
      typeof sink === "function" ? callbackSink(sink, index) : sink,
    );
    this.channels = sinks.map(
      (sink, index) =>
        new SinkChannel(sink, {
          name: sink.name ?? `sink-${index}`,
          maxBuffered: settings.maxBufferedEvents,
          batchSize: sink.batchSize ?? SINK_BATCH_SIZE,
          diagnostics: this.diagnostics,
        }),
    );
    const configContext = options.configContext ?? {};
    this.ledgerStore = resolveLedgerStore(options, settings.db, {
      env: configContext.env ?? process.env,
      cwd: configContext.cwd ?? process.cwd(),
      diagnostics: this.diagnostics,
    });
    this.syncWrites = settings.syncWrites;
    if (this.ledgerStore !== undefined) {
      const ledger = new LedgerWriter(this.ledgerStore, {
        maxBuffered: settings.maxBufferedEvents,
        diagnostics: this.diagnostics,
      });
      this.ledger = ledger;
      this.stopHooks.push(
        registerExitFlush({
          sync: (final) => {
            this.drain();
            // The process is ending: what cannot be written now never will be. Count it.
            if (!ledger.flushSync() && final) ledger.abandonPending();
          },
          async: () => this.flush(),
          hasPending: () => this.pending.length > 0 || ledger.pending > 0,
        }),
      );
      if (settings.retention !== undefined) {
        this.stopHooks.push(
          scheduleRetention(this.ledgerStore, settings.retention, this.diagnostics),
        );
      }
    }
    this.budgetManager = createBudgetManager({
      budgets: options.budgets,
      settingRules: settings.budgetRules,
      store: this.ledgerStore,
      pricer: this.pricing,
      diagnostics: this.diagnostics,
      now: this.now,
      timeZone: settings.timeZone,
      flushLedger: async () => {
        this.drain();
        await this.ledger?.flush();
      },
      dbLocation: settings.db.value,
    });
    const budgetManager = this.budgetManager;
    if (budgetManager !== undefined) {
      this.budgets = {
        status: () => {
          this.drain();
          return budgetManager.status();
        },
        checkAlerts: async () => {
          await this.flush();
          await budgetManager.checkAlerts();
        },
        activeReservations: () => budgetManager.ledger.activeReservations(this.now()),
      };
      this.stopHooks.push(() => budgetManager.close());
    }
    const alertLedger = sqliteLocation(this.ledgerStore);
    this.healthAlerts = createHealthAlerts({
      alerts: options.alerts,
      settingRules: settings.alertRules,
      ledgerRules: alertLedger === undefined ? [] : readLedgerAlertRules(alertLedger),
      diagnostics: this.diagnostics,
      now: this.now,
    });
    const healthAlerts = this.healthAlerts;
    if (healthAlerts !== undefined) {
      this.alerts = {
        status: () => {
          this.drain();
          return healthAlerts.status();
        },
        check: () => {
          this.drain();
          return healthAlerts.check();
        },
      };
    }
    this.sessions = new SessionRegistry(
      { summarize: (id) => this.summarizeSession(id), now: this.now },
      options.sessionTtlMs,
    );
  }

  track<T>(info: TrackInfo, fn: (tracker: Tracker) => T): T {
    let calls: CapturedCall[] | undefined;
    let tracker: ActiveTracker;
    try {
      // Before anything else: a call over an enforced budget must not start at all.
      const checked = this.budgetManager === undefined ? info : this.reserveBudget(info);
      calls = this.capture(checked, "start");
      tracker = new ActiveTracker(
        checked,
        this.submitBound,
        calls,
        undefined,
        this.now,
        this.elapsed,
      );
    } catch (error) {
      // A refused call: rejected for an `async` callback, thrown for a sync one (see refuse-call.ts).
      return refuseCall(fn, error);
    }
    let result: T;
    try {
      result = calls === undefined ? fn(tracker) : runInCapturedContexts(calls, () => fn(tracker));
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
    const checked = this.budgetManager === undefined ? info : this.reserveBudget(info);
    return new ActiveTracker(
      checked,
      this.submitBound,
      this.capture(checked, "start"),
      this.budgetManager === undefined ? undefined : this.discardBound,
      this.now,
      this.elapsed,
    );
  }

  // A discarded tracker records nothing: its reservation (if any) is freed now, not at its expiry.
  private readonly discardBound = (fields: RecordInput) =>
    this.budgetManager?.release((fields as PendingInput).budgetReservation);

  // Reserves the call's estimate (throws BudgetExceededError); the reservation rides with the event.
  private reserveBudget(info: TrackInfo): TrackInfo {
    const manager = this.budgetManager!;
    if (this.closed) {
      // shutdown() closed the budget ledger: nothing to check against, and nothing is recorded.
      this.diagnostics.once(
        "call-after-shutdown",
        "warn",
        "a call was made after meter.shutdown(): it is not recorded and no budget is checked",
      );
      return info;
    }
    const attribution = mergeAttribution(
      mergeAttribution(this.staticAttribution, currentAttribution()),
      toAttribution(info),
    );
    const id = info.id ?? randomUUID();
    const reservation = manager.reserve({ ...attribution, ...info, ...attribution }, id);
    if (reservation === undefined) return info;
    return { ...info, id, budgetReservation: reservation } as TrackInfo;
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

  ingest(events: readonly RecordInput[]): void {
    // An empty context and no instrumentation calls: `submit` then captures neither.
    for (const event of events)
      this.submit({ ...event, context: RECEIVED_CONTEXT, instrumentationCalls: NO_CALLS });
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
    if (this.ledger !== undefined) {
      droppedBySink.ledger = this.ledger.dropped;
      sinkFailures.ledger = this.ledger.failures;
    }
    return { ...this.health, droppedBySink, sinkFailures };
  }

  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    this.drain();
    const idle = Promise.all([
      ...this.channels.map((channel) => channel.whenIdle()),
      this.ledger?.flush(),
      this.otel?.flush(),
    ])
      .then(() => this.budgetManager?.idle())
      .then(() => this.healthAlerts?.idle());
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

  async shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownResult> {
    await this.flush(options);
    this.closed = true;
    for (const stop of this.stopHooks.splice(0)) stop();
    this.sessions.closeAll();
    await Promise.all([
      ...this.channels.map((channel) => channel.close()),
      this.ledger?.close(),
      this.otel?.shutdown(),
    ]);
    return { lostByLedger: this.ledger?.dropped ?? 0 };
  }

  session(id?: string, options?: SessionOptions): MeterSession {
    return this.sessions.session(id, options);
  }

  private async summarizeSession(sessionId: string): Promise<SessionSummary> {
    await this.flush();
    const store = await this.ledgerStore;
    const [fromLedger] =
      store === undefined ? [] : await store.listSessions({ filter: { sessionId }, limit: 1 });
    if (fromLedger !== undefined) return fromLedger;
    // No ledger (or nothing stored yet): the live window is what this process knows.
    const events = [...this.window].filter((event) => event.sessionId === sessionId);
    const times = events.map((event) => event.timestamp).sort();
    const { totals } = aggregateEvents(events, { timeZone: "UTC" });
    return {
      sessionId,
      startedAt: times[0] ?? "",
      lastActivityAt: times[times.length - 1] ?? "",
      ...totals,
    };
  }

  // Runs on the caller's stack: capture attribution, queue, schedule. Nothing else.
  private submit(event: PendingInput): void {
    if (this.closed) return;
    // A tracked call captured its attribution when it started; a recorded one, now.
    if (event.context === undefined) {
      const attribution = currentAttribution();
      if (attribution !== undefined) event.context = attribution;
    }
    // A tracked call captured its instrumentation context when it started; a recorded one, now.
    if (event.instrumentationCalls === undefined) {
      const calls = this.capture(event, "record");
      if (calls !== undefined) event.instrumentationCalls = calls;
    }
    this.pending.push(event);
    if (this.syncWrites && this.ledger !== undefined) {
      // The caller asked to lose nothing: enrich and write now, before returning.
      this.drain();
      if (!this.ledger.flushSync()) {
        this.diagnostics.once(
          "sync-write-failed",
          "warn",
          this.ledger.canWriteSync
            ? "a synchronous ledger write failed; the event stays buffered and is retried"
            : "syncWrites needs a store that can write synchronously (SQLite); events are written in the background",
        );
      }
      return;
    }
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      if (this.batchWindowMs === 0) setImmediate(this.drainBound);
      else this.drainTimer = setTimeout(this.drainBound, this.batchWindowMs);
    }
  }

  private readonly submitBound = (event: RecordInput) => this.submit(event);

  // Free when nothing is registered: one array read and a length check.
  private capture(input: RecordInput, phase: CallStart["phase"]): CapturedCall[] | undefined {
    const base = this.instrumentations ?? registeredInstrumentations();
    const instrumentations = this.otel === undefined ? base : this.otel.instrumentationsFor(base);
    if (instrumentations.length === 0) return undefined;
    return captureCalls(
      instrumentations,
      {
        provider: input.provider,
        model: input.model,
        operation: input.operation,
        kind: input.kind,
        serverAddress: input.serverAddress,
        serverPort: input.serverPort,
        phase,
      },
      (instrumentation, error) =>
        this.diagnostics.once(
          `instrumentation-capture:${instrumentation.name}`,
          "warn",
          `instrumentation "${instrumentation.name}" failed to capture a call's context; the call goes on without it`,
          error,
        ),
    );
  }

  private finishInstrumentations(event: UsageEvent, calls: readonly CapturedCall[]): void {
    for (const { instrumentation, captured } of calls) {
      try {
        instrumentation.finish(event, captured);
      } catch (error) {
        this.diagnostics.once(
          `instrumentation-finish:${instrumentation.name}`,
          "warn",
          `instrumentation "${instrumentation.name}" failed to export a call (reported once)`,
          error,
        );
      }
    }
  }

  // Off the caller's stack: validate, attribute, price, then hand to the window and the sinks.
  private drain(): void {
    this.drainScheduled = false;
    if (this.drainTimer !== undefined) {
      // Drained early (a read, flush or exit): the window's timer has nothing left to do.
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const input of batch) {
      const calls = input.instrumentationCalls;
      const reservation = input.budgetReservation;
      const event = this.enrich(input);
      this.budgetManager?.settle(reservation, event);
      this.window.add(event);
      this.ledger?.push(event);
      this.healthAlerts?.observe(event);
      this.sessions.touch(event.sessionId);
      for (const channel of this.channels) channel.push(event);
      if (calls !== undefined) this.finishInstrumentations(event, calls);
    }
    // Once per drain, not per event: a batch sink gets the whole drain in one write.
    for (const channel of this.channels) channel.startDelivery();
  }

  // One object for every event's normalization (it is synchronous): only two fields change.
  private readonly normalizeOptions: NormalizeOptions & { nowMs: number } = {
    nowMs: 0,
    skipFields: HIDDEN_INPUT_FIELDS,
    inlineAttributes: true,
    outerAttribution: undefined,
    defaultAttribution: undefined,
    secrets: undefined,
  };

  private enrich(input: PendingInput): UsageEvent {
    // One pass, no copy: event fields are kept, the meter's hidden fields skipped, anything else
    // is a free attribute given inline (`{ feature: "chat" }`). Attribution: the call's own fields
    // win over the context's, which win over the static ones.
    const options = this.normalizeOptions;
    options.nowMs = this.now();
    options.outerAttribution = input.context;
    options.secrets = input.secrets;
    const { event, problems } = normalizeUsageEvent(input, options);
    this.health.recorded += 1;
    if (problems.length > 0) {
      this.health.corrected += 1;
      for (const problem of problems) {
        const field = problem.slice(0, problem.indexOf(":"));
        this.diagnostics.once(`invalid:${field}`, "warn", `usage event corrected: ${problem}`);
      }
    }
    if (this.redactAttributes !== undefined && event.attributes !== undefined) this.redact(event);
    this.price(event);
    return event;
  }

  // Fails closed: when the user's hook throws, the attributes are dropped rather than kept unredacted.
  private redact(event: UsageEvent): void {
    let attributes: Record<string, AttributeValue> | undefined;
    try {
      const hook = this.redactAttributes;
      const redacted = hook === undefined ? event.attributes : hook({ ...event.attributes }, event);
      attributes = normalizeUsageEvent({ attributes: redacted }).event.attributes;
    } catch (error) {
      this.diagnostics.once(
        "redact-failed",
        "warn",
        "the redactAttributes hook threw; the event's attributes were dropped (reported once)",
        error,
      );
    }
    if (attributes === undefined || Object.keys(attributes).length === 0) delete event.attributes;
    else event.attributes = attributes;
  }

  private price(event: UsageEvent): void {
    if (event.costUsd !== undefined) {
      event.priceSource ??= "manual";
      if (event.priceSource === "provider") this.estimateBeside(event);
      return;
    }
    if (event.cached === true && !event.inputTokens && !event.outputTokens) {
      // A response cache hit bills nothing.
      event.costUsd = 0;
      event.priceSource = "manual";
      return;
    }
    if (this.pricing === undefined) return;
    let priced = this.catalogPrice(event);
    if (priced !== null && !isPlausibleCost(priced.costUsd)) {
      // A price that multiplies out beyond any real bill (Infinity, NaN, over the bound) would
      // poison every total it is added to: the call stays unpriced instead.
      this.diagnostics.once(
        `implausible-cost:${event.provider}/${event.model}`,
        "warn",
        `the price of ${event.provider}/${event.model} gives a cost of ${priced.costUsd} USD for one call, beyond the plausible ${MAX_COST_USD} USD; the call is recorded unpriced (check the price entry ${priced.entryId ?? ""})`,
      );
      priced = null;
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

  // The provider said what it billed; the catalog's price is kept beside it to show drift. An
  // estimate that does not multiply out to a plausible cost is left out rather than kept.
  private estimateBeside(event: UsageEvent): void {
    if (this.pricing === undefined) return;
    const estimate = this.catalogPrice(event);
    if (estimate !== null && isPlausibleCost(estimate.costUsd))
      event.estimatedCostUsd = estimate.costUsd;
  }

  private catalogPrice(event: UsageEvent): PricedCost | null {
    try {
      return this.pricing === undefined ? null : this.pricing.priceEvent(event);
    } catch (error) {
      this.diagnostics.once("pricing-failed", "error", "pricing an event failed", error);
      return null;
    }
  }
}

// The user's price file and aliases, the fetched catalog, the bundled catalog; a bad file is a ConfigError.
function defaultPricing(
  options: MeterOptions,
  pricesFile: string | undefined,
): EventPricer | false | undefined {
  if (options.pricing !== undefined) return options.pricing;
  let custom: ReturnType<typeof loadCustomPriceFile> | undefined;
  if (pricesFile !== undefined) {
    try {
      custom = loadCustomPriceFile(
        resolvePath(options.configContext?.cwd ?? process.cwd(), pricesFile),
      );
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  // Prices fetched by `llmeter prices update` sit between the price file and the bundled catalog.
  let fetched: ReturnType<typeof fetchedPriceBookOptions>;
  try {
    fetched = fetchedPriceBookOptions(
      options.configContext?.env ?? process.env,
      options.configContext?.cwd ?? process.cwd(),
    );
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return createPriceBook({
    ...(custom === undefined ? {} : { customPrices: custom.entries }),
    ...fetched,
    aliases: { ...custom?.aliases, ...options.modelAliases },
    ...(options.diagnostics === undefined ? {} : { diagnostics: options.diagnostics }),
  });
}

/** Fields the meter carries from the caller's stack to `drain`; never part of the event. */
const HIDDEN_INPUT_FIELDS = new Set([
  "context",
  "instrumentationCalls",
  "budgetReservation",
  "estimate",
  "secrets",
]);

const DEFAULT_BATCH_WINDOW_MS = 10;
/** The longest window: events wait at most this long for their sinks, spans and the ledger. */
const MAX_BATCH_WINDOW_MS = 1000;

function batchWindowOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_BATCH_WINDOW_MS;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    value > MAX_BATCH_WINDOW_MS
  )
    throw new ConfigError(
      `batchWindowMs: expected a number of milliseconds from 0 to ${MAX_BATCH_WINDOW_MS}, got ${String(value)}; pass e.g. createMeter({ batchWindowMs: 10 }), or 0 to process events on the next event-loop turn`,
    );
  return value;
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

function ignoreValue(): void {}

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
    // Synchronous while the callback is: an async function here costs every event a promise and a
    // microtask, ~0.5 µs of a plain callback's delivery. A callback's promise is still awaited.
    write(events) {
      let chain: Promise<unknown> | undefined;
      for (const event of events) {
        if (chain !== undefined) {
          chain = chain.then(() => callback(event));
          continue;
        }
        const result: unknown = callback(event);
        if (isPromiseLike(result)) chain = Promise.resolve(result);
      }
      return chain?.then(ignoreValue);
    },
  };
}
