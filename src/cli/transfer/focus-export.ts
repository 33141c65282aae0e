import type { UsageEvent } from "../../usage/usage-event.ts";
import { type CliOutput, writeOut } from "../cli-context.ts";
import { csvCell } from "./event-csv.ts";

/**
 * The columns of the FOCUS export, in order: every column of FOCUS 1.2
 * (https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec/tree/v1.2/specification/columns),
 * the provider columns of FOCUS 1.3 (ServiceProviderName, HostProviderName), then llmeter's `x_`
 * extensions. BillingAccountType, a Conditional column that must not be null where present, is
 * left out: it applies to providers with several kinds of billing account. See docs/finops.md.
 */
export const FOCUS_COLUMNS = [
  "AvailabilityZone",
  "BilledCost",
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodEnd",
  "BillingPeriodStart",
  "CapacityReservationId",
  "CapacityReservationStatus",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargeFrequency",
  "ChargePeriodEnd",
  "ChargePeriodStart",
  "CommitmentDiscountCategory",
  "CommitmentDiscountId",
  "CommitmentDiscountName",
  "CommitmentDiscountQuantity",
  "CommitmentDiscountStatus",
  "CommitmentDiscountType",
  "CommitmentDiscountUnit",
  "ConsumedQuantity",
  "ConsumedUnit",
  "ContractedCost",
  "ContractedUnitPrice",
  "EffectiveCost",
  "HostProviderName",
  "InvoiceId",
  "InvoiceIssuerName",
  "ListCost",
  "ListUnitPrice",
  "PricingCategory",
  "PricingCurrency",
  "PricingCurrencyContractedUnitPrice",
  "PricingCurrencyEffectiveCost",
  "PricingCurrencyListUnitPrice",
  "PricingQuantity",
  "PricingUnit",
  "ProviderName",
  "PublisherName",
  "RegionId",
  "RegionName",
  "ResourceId",
  "ResourceName",
  "ResourceType",
  "ServiceCategory",
  "ServiceName",
  "ServiceProviderName",
  "ServiceSubcategory",
  "SkuId",
  "SkuMeter",
  "SkuPriceDetails",
  "SkuPriceId",
  "SubAccountId",
  "SubAccountName",
  "SubAccountType",
  "Tags",
  "x_ChargeKind",
  "x_EventCount",
  "x_TenantId",
  "x_UserId",
  "x_Attributes",
] as const;

type FocusColumn = (typeof FOCUS_COLUMNS)[number];

// Token-priced charge kinds and the tokens each one priced. A part of the prompt (cache reads,
// cache writes) or of the output (reasoning) is taken out of input or output only when the
// breakdown prices it apart: reasoning billed at the output rate is in the output row's tokens.
// Any other key of costBreakdown (tool fees, images, requests...) is exported with its own unit.
type Breakdown = NonNullable<UsageEvent["costBreakdown"]>;

// The cacheWrite part prices every written token: the 5-minute and 1-hour ones and any others.
function cacheWriteTokens(event: UsageEvent): number {
  const timed = (event.cacheWrite5mTokens ?? 0) + (event.cacheWrite1hTokens ?? 0);
  return Math.max(event.cacheWriteTokens ?? 0, timed);
}
const TOKEN_QUANTITY: Record<string, (event: UsageEvent, parts: Breakdown) => number | undefined> =
  {
    input: (event, parts) =>
      event.inputTokens === undefined
        ? undefined
        : Math.max(
            0,
            event.inputTokens -
              (parts.cacheRead === undefined ? 0 : (event.cacheReadTokens ?? 0)) -
              (parts.cacheWrite === undefined ? 0 : cacheWriteTokens(event)),
          ),
    cacheRead: (event) => event.cacheReadTokens,
    cacheWrite: (event) => cacheWriteTokens(event),
    output: (event, parts) =>
      event.outputTokens === undefined
        ? undefined
        : Math.max(
            0,
            event.outputTokens - (parts.reasoning === undefined ? 0 : (event.reasoningTokens ?? 0)),
          ),
    reasoning: (event) => event.reasoningTokens,
  };

// The share of a cost that no breakdown key explains (imported or provider-reported totals).
const UNEXPLAINED_KIND = "other";

// Hosting platforms whose models come from another publisher: the host bills, the model's maker
// provides the service (FOCUS 1.3's HostProviderName / ServiceProviderName split).
const HOSTS: Record<string, string> = {
  bedrock: "AWS",
  "aws.bedrock": "AWS",
  vertex: "Google Cloud",
  "gcp.vertex_ai": "Google Cloud",
  azure: "Microsoft",
  "azure.ai.openai": "Microsoft",
  openrouter: "OpenRouter",
};

const PUBLISHERS: [RegExp, string][] = [
  [/(^|[./])(anthropic|claude)/i, "Anthropic"],
  [/(^|[./])(meta|llama)/i, "Meta"],
  [/(^|[./])(mistral|mixtral)/i, "Mistral AI"],
  [/(^|[./])(amazon|nova|titan)/i, "Amazon"],
  [/(^|[./])(cohere|command)/i, "Cohere"],
  [/(^|[./])(gemini|google|gemma)/i, "Google"],
  [/(^|[./])(openai|gpt|o\d)/i, "OpenAI"],
  [/(^|[./])(deepseek)/i, "DeepSeek"],
  [/(^|[./])(grok|xai)/i, "xAI"],
];

const PROVIDER_NAMES: Record<string, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google",
  gemini: "Google",
  mistral: "Mistral AI",
  cohere: "Cohere",
  xai: "xAI",
  deepseek: "DeepSeek",
  groq: "Groq",
};

/** Who provides the service and who hosts it, for one event's provider and model. */
export function focusProviders(provider: string, model: string): { service: string; host: string } {
  const host = HOSTS[provider.toLowerCase()];
  const own = PROVIDER_NAMES[provider.toLowerCase()] ?? provider;
  if (host === undefined) return { service: own, host: own };
  const publisher = PUBLISHERS.find(([pattern]) => pattern.test(model))?.[1];
  return { service: publisher ?? host, host };
}

interface Group {
  day: string;
  provider: string;
  model: string;
  kind: string;
  tenantId: string | undefined;
  userId: string | undefined;
  region: string | undefined;
  attributes: string | undefined;
  nano: number;
  quantity: number | undefined;
  events: number;
}

/** What a FOCUS export wrote. */
export interface FocusExportResult {
  rows: number;
  events: number;
  /** Events with no cost (unpriced models): left out, since FOCUS cost columns are not nullable. */
  unpriced: number;
  /** Sum of EffectiveCost in whole nano-dollars. */
  totalNano: number;
}

/**
 * Streams events (oldest first, as the ledger yields them) to FOCUS CSV rows: one per UTC day ×
 * provider × model × charge kind × tenant × user × region × attributes. Only one day's groups are
 * held at a time, so memory is bounded by a day's distinct groups, not by the ledger's size.
 * Costs are summed in whole nano-dollars (each breakdown part rounded once), so EffectiveCost sums
 * to the ledger's total exactly.
 */
export async function exportFocus(
  events: AsyncIterable<UsageEvent>,
  output: CliOutput,
  onProgress: (events: number) => void = () => {},
): Promise<FocusExportResult> {
  await writeOut(output, `${FOCUS_COLUMNS.join(",")}\r\n`);
  const result: FocusExportResult = { rows: 0, events: 0, unpriced: 0, totalNano: 0 };
  let groups = new Map<string, Group>();
  let currentDay: string | undefined;
  const flush = async () => {
    const lines = [...groups.values()].map(focusRow);
    result.rows += lines.length;
    if (lines.length > 0) await writeOut(output, lines.join(""));
    groups = new Map();
  };
  for await (const event of events) {
    result.events += 1;
    onProgress(1);
    if (event.costUsd === undefined) {
      result.unpriced += 1;
      continue;
    }
    const day = new Date(event.timestamp).toISOString().slice(0, 10);
    // Ledger order is by timestamp, so a new day closes every group of the previous ones.
    if (day !== currentDay) {
      await flush();
      currentDay = day;
    }
    for (const [kind, nano, quantity] of chargeParts(event)) {
      const attributes =
        event.attributes === undefined ? undefined : JSON.stringify(sortedObject(event.attributes));
      const key = JSON.stringify([
        event.provider,
        event.model,
        kind,
        event.tenantId,
        event.userId,
        event.region,
        attributes,
      ]);
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          day,
          provider: event.provider,
          model: event.model,
          kind,
          tenantId: event.tenantId,
          userId: event.userId,
          region: event.region,
          attributes,
          nano: 0,
          quantity: undefined,
          events: 0,
        };
        groups.set(key, group);
      }
      group.nano += nano;
      group.events += 1;
      if (quantity !== undefined) group.quantity = (group.quantity ?? 0) + quantity;
      result.totalNano += nano;
    }
  }
  await flush();
  return result;
}

/** An event's cost split into [kind, nano-dollars, token quantity] — every breakdown key. */
function chargeParts(event: UsageEvent): [string, number, number | undefined][] {
  const total = Math.round((event.costUsd ?? 0) * 1e9);
  const parts: [string, number, number | undefined][] = [];
  let explained = 0;
  const breakdown = event.costBreakdown ?? {};
  for (const [kind, usd] of Object.entries(breakdown)) {
    if (typeof usd !== "number") continue;
    const nano = Math.round(usd * 1e9);
    explained += nano;
    parts.push([kind, nano, TOKEN_QUANTITY[kind]?.(event, breakdown)]);
  }
  // Whatever the breakdown leaves out (none, or a provider-reported total) stays in the export,
  // so the file adds up to the ledger.
  if (total !== explained) parts.push([UNEXPLAINED_KIND, total - explained, undefined]);
  return parts;
}

function sortedObject(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}

/** Nano-dollars as a fixed 9-decimal string, exact (no float formatting). */
export function nanoToDecimal(nano: number): string {
  const sign = nano < 0 ? "-" : "";
  const digits = String(Math.abs(nano)).padStart(10, "0");
  return `${sign}${digits.slice(0, -9)}.${digits.slice(-9)}`;
}

function focusRow(group: Group): string {
  const { service, host } = focusProviders(group.provider, group.model);
  const start = `${group.day}T00:00:00Z`;
  const endDate = new Date(Date.parse(start) + 86_400_000).toISOString().slice(0, 10);
  const monthStart = `${group.day.slice(0, 7)}-01T00:00:00Z`;
  const nextMonth = new Date(monthStart);
  nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
  const isTokens = group.quantity !== undefined;
  const cost = nanoToDecimal(group.nano);
  const unitPrice =
    isTokens && group.quantity !== 0
      ? ((group.nano / 1e9 / (group.quantity ?? 1)) * 1e6).toPrecision(12)
      : undefined;
  const sku = `${group.provider}/${group.model}/${group.kind}`;
  const values: Partial<Record<FocusColumn, unknown>> = {
    BilledCost: cost,
    BillingAccountId: group.provider,
    BillingAccountName: host,
    BillingCurrency: "USD",
    BillingPeriodStart: monthStart,
    BillingPeriodEnd: `${nextMonth.toISOString().slice(0, 19)}Z`,
    ChargeCategory: "Usage",
    ChargeDescription: `${group.model} ${group.kind} (estimated by llmeter)`,
    ChargeFrequency: "Usage-Based",
    ChargePeriodStart: start,
    ChargePeriodEnd: `${endDate}T00:00:00Z`,
    ConsumedQuantity: isTokens ? group.quantity : group.events,
    ConsumedUnit: isTokens ? "Tokens" : "Requests",
    ContractedCost: cost,
    EffectiveCost: cost,
    HostProviderName: host,
    InvoiceIssuerName: host,
    ListCost: cost,
    ListUnitPrice: unitPrice,
    ContractedUnitPrice: unitPrice,
    PricingCategory: "Standard",
    PricingCurrency: "USD",
    PricingCurrencyContractedUnitPrice: unitPrice,
    PricingCurrencyEffectiveCost: cost,
    PricingCurrencyListUnitPrice: unitPrice,
    PricingQuantity: isTokens ? (group.quantity ?? 0) / 1e6 : group.events,
    PricingUnit: isTokens ? "1000000 Tokens" : "Requests",
    ProviderName: service,
    PublisherName: service,
    RegionId: group.region,
    RegionName: group.region,
    ServiceCategory: "AI and Machine Learning",
    ServiceName: `${service} ${group.model}`,
    ServiceProviderName: service,
    ServiceSubcategory: "Generative AI",
    SkuId: `${group.provider}/${group.model}`,
    SkuMeter: group.kind,
    // FOCUS 1.2: keys that are not FOCUS-defined properties MUST begin with "x_".
    SkuPriceDetails: { x_Provider: group.provider, x_Model: group.model, x_ChargeKind: group.kind },
    SkuPriceId: sku,
    Tags: {},
    x_ChargeKind: group.kind,
    x_EventCount: group.events,
    x_TenantId: group.tenantId,
    x_UserId: group.userId,
    x_Attributes: group.attributes,
  };
  return `${FOCUS_COLUMNS.map((column) => csvCell(values[column])).join(",")}\r\n`;
}
