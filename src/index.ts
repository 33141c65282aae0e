// The core's public surface. Explicit named exports only: what is not listed here is internal.

export { ConfigError, type ResolvedConfig, resolveConfig } from "./config/resolve-config.ts";
export { type LlmeterConfig, SETTINGS } from "./config/settings.ts";
export { type AttributionInput, currentAttribution, withAttribution } from "./meter/attribution.ts";
export { createMeter, type MeterOptions } from "./meter/create-meter.ts";
export {
  consoleDiagnostics,
  type DiagnosticLevel,
  type DiagnosticsLogger,
  silentDiagnostics,
} from "./meter/diagnostics.ts";
export { getMeter, setGlobalMeter } from "./meter/global-meter.ts";
export { createNoopMeter } from "./meter/noop-meter.ts";
export type {
  CostBreakdownReport,
  CostShare,
  EventPricer,
  Meter,
  MeterHealth,
  PricedCost,
  RecordInput,
  StatsQuery,
  Tracker,
  TrackerHandle,
  TrackInfo,
  UsageCallback,
  UsageSink,
  UsageUnits,
} from "./meter/types.ts";
export { aggregateEvents } from "./stats/aggregate-events.ts";
export { percentile } from "./stats/percentile.ts";
export type {
  GroupBy,
  ResolvedPeriod,
  UsageFilter,
  UsageGroup,
  UsageReport,
  UsageStats,
  UsageTotals,
} from "./stats/usage-stats.ts";
export { createMemoryStore } from "./store/memory-store.ts";
export type {
  AggregateQuery,
  AggregateResult,
  SessionSummary,
  UsageStore,
} from "./store/usage-store.ts";
export { type NormalizeResult, normalizeUsageEvent } from "./usage/normalize-usage-event.ts";
export type {
  AttributeValue,
  Attribution,
  CostBreakdown,
  CostUnit,
  PriceSource,
  TokenUsage,
  UsageEvent,
  UsageKind,
} from "./usage/usage-event.ts";
