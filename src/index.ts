// The core's public surface. Explicit named exports only: what is not listed here is internal.

export { withoutAutoInstrumentation } from "./auto/without-auto-instrumentation.ts";
export type {
  BudgetAlert,
  BudgetAlertCallback,
  BudgetState,
  BudgetWebhook,
} from "./budgets/budget-alerts.ts";
export { BudgetExceededError } from "./budgets/budget-exceeded-error.ts";
export type { BudgetOptions, BudgetStatus } from "./budgets/budget-manager.ts";
export {
  type BudgetRule,
  BudgetRuleError,
  type BudgetScope,
  type BudgetWindow,
} from "./budgets/budget-rule.ts";
export type { MeterBudgets } from "./budgets/create-budget-manager.ts";
export { type CallEstimate, estimateRequest } from "./budgets/estimate-call.ts";
export { createLedgerBudgetsSource } from "./budgets/ledger-budgets-source.ts";
export type { OtelSetting, OtelSettingValue, OtlpProtocolName } from "./config/otel-setting.ts";
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
export {
  type CallStart,
  type MeterInstrumentation,
  registerInstrumentation,
} from "./meter/instrumentation.ts";
export { createNoopMeter } from "./meter/noop-meter.ts";
export type {
  CostBreakdownReport,
  CostShare,
  EventPricer,
  Meter,
  MeterBudgetsView,
  MeterHealth,
  MeterSession,
  PricedCost,
  RecordInput,
  RequestDetails,
  ResponseDetails,
  SessionOptions,
  ShutdownResult,
  StatsQuery,
  Tracker,
  TrackerHandle,
  TrackInfo,
  UsageCallback,
  UsageSink,
  UsageUnits,
} from "./meter/types.ts";
export { CATALOG_VERSION } from "./pricing/catalog/index.ts";
export {
  type CustomPrices,
  loadCustomPriceFile,
  type PriceFile,
  PriceFileError,
  parseCustomPrices,
} from "./pricing/custom-prices.ts";
export { type CatalogSource, loadPriceCatalog } from "./pricing/load-catalog.ts";
export { canonicalProvider, detectProvider } from "./pricing/model-id.ts";
export {
  calculateCost,
  createPriceBook,
  getDefaultPriceBook,
  type PriceBook,
  type PriceBookOptions,
} from "./pricing/price-book.ts";
export { priceFileTemplate, type TemplateModel } from "./pricing/price-file-template.ts";
export type {
  ContextTier,
  CostResult,
  DatedPrices,
  MatchRule,
  PriceEntry,
  PriceLayer,
  PriceMatch,
  PricingOptions,
  PricingUsage,
  ServiceTierName,
  ServiceTierPrices,
  UnitPrices,
} from "./pricing/types.ts";
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
export {
  buildLedgerReport,
  createLedger,
  type Ledger,
  type LedgerOptions,
  type LedgerReportQuery,
} from "./store/create-ledger.ts";
export { createMemoryStore } from "./store/memory-store.ts";
export { isPostgresUrl, type OpenStoreOptions, openStore } from "./store/open-store.ts";
export {
  DRIFT_THRESHOLD_PERCENT,
  loadProviderCostDrift,
  type ModelCostDrift,
  type ProviderCostDrift,
} from "./store/provider-cost-drift.ts";
export { PERCENTILE_RELATIVE_ACCURACY } from "./store/rollup/latency-histogram.ts";
export {
  exportSession,
  importSession,
  type SessionFile,
  SessionFileError,
} from "./store/session-file.ts";
export {
  createSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
} from "./store/sqlite/sqlite-store.ts";
export { listUnpricedModels, type UnpricedModel } from "./store/unpriced-models.ts";
export type {
  AggregateQuery,
  AggregateResult,
  ProviderCostSum,
  RetentionPolicy,
  RetentionResult,
  SessionSummary,
  UsageStore,
} from "./store/usage-store.ts";
export {
  MAX_CODE_LENGTH,
  MAX_CODE_LIST_LENGTH,
  type NormalizeOptions,
  type NormalizeResult,
  normalizeUsageEvent,
} from "./usage/normalize-usage-event.ts";
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
