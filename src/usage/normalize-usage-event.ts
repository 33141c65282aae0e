import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BOOLEAN_FIELDS,
  COUNT_FIELDS,
  type CostBreakdown,
  MEASURE_FIELDS,
  PRICE_SOURCES,
  type PriceSource,
  STRING_FIELDS,
  USAGE_KINDS,
  type UsageEvent,
  type UsageKind,
} from "./usage-event.ts";

/** Longest kept string for names and ids; longer ones are truncated. */
export const MAX_STRING_LENGTH = 256;
/** Longest kept error message or attribute value. */
export const MAX_TEXT_LENGTH = 2048;
/** Most free attributes kept on one event. */
export const MAX_ATTRIBUTES = 64;
const MAX_ATTRIBUTE_KEY_LENGTH = 128;

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const COST_UNITS = new Set([
  "input",
  "cacheRead",
  "cacheWrite",
  "output",
  "reasoning",
  "audioInput",
  "audioOutput",
  "image",
  "request",
  "page",
  "characters",
]);
const KNOWN_FIELDS = new Set<string>([
  ...COUNT_FIELDS,
  ...MEASURE_FIELDS,
  ...STRING_FIELDS,
  ...BOOLEAN_FIELDS,
  "kind",
  "attributes",
  "costBreakdown",
  "priceSource",
]);

const DEFAULT_OPERATION: Record<UsageKind, string> = {
  llm: "chat",
  embedding: "embeddings",
  ocr: "ocr",
  other: "other",
};

export interface NormalizeResult {
  event: UsageEvent;
  /** What was dropped, truncated or corrected, one sentence each. Empty for a clean event. */
  problems: string[];
}

/**
 * The one validation of usage events: turns anything (an integration's event, `record()` input,
 * an imported line) into a clean `UsageEvent`. Bad values are dropped or corrected and described
 * in `problems`; it never throws.
 *
 * - counts must be finite, non-negative integers (fractions are rounded);
 * - strings are truncated; `__proto__`-like attribute keys and non-scalar values are dropped;
 * - missing ids and timestamps are filled in; `totalTokens` is derived when absent.
 */
export function normalizeUsageEvent(
  input: unknown,
  options: { nowMs?: number } = {},
): NormalizeResult {
  const problems: string[] = [];
  const source: Record<string, unknown> =
    input !== null && typeof input === "object" ? (input as Record<string, unknown>) : {};
  if (source !== input) problems.push("event is not an object; recorded an empty event");

  const event = {} as UsageEvent;
  const target = event as unknown as Record<string, unknown>;

  for (const field of STRING_FIELDS) {
    const value = source[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") {
      problems.push(`${field}: expected a string, got ${typeof value}; dropped`);
      continue;
    }
    const limit =
      field === "errorMessage" || field === "timestamp" ? MAX_TEXT_LENGTH : MAX_STRING_LENGTH;
    if (value.length > limit) {
      problems.push(`${field}: longer than ${limit} characters; truncated`);
      target[field] = value.slice(0, limit);
    } else if (value.length > 0) {
      target[field] = value;
    }
  }

  for (const field of COUNT_FIELDS) {
    const value = source[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      problems.push(
        `${field}: expected a non-negative finite number, got ${String(value)}; dropped`,
      );
      continue;
    }
    if (!Number.isInteger(value)) {
      problems.push(`${field}: ${value} is not a whole number; rounded`);
      target[field] = Math.round(value);
    } else {
      target[field] = value;
    }
  }

  for (const field of MEASURE_FIELDS) {
    const value = source[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      problems.push(
        `${field}: expected a non-negative finite number, got ${String(value)}; dropped`,
      );
      continue;
    }
    target[field] = value;
  }

  for (const field of BOOLEAN_FIELDS) {
    const value = source[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "boolean") {
      problems.push(`${field}: expected true or false, got ${String(value)}; dropped`);
      continue;
    }
    target[field] = value;
  }

  const kind = source.kind;
  if (kind === undefined || kind === null) {
    event.kind = "llm";
  } else if (USAGE_KINDS.includes(kind as UsageKind)) {
    event.kind = kind as UsageKind;
  } else {
    problems.push(
      `kind: expected one of ${USAGE_KINDS.join(", ")}, got ${String(kind)}; used "other"`,
    );
    event.kind = "other";
  }

  const priceSource = source.priceSource;
  if (priceSource !== undefined && priceSource !== null) {
    if (PRICE_SOURCES.includes(priceSource as PriceSource)) {
      event.priceSource = priceSource as PriceSource;
    } else {
      problems.push(`priceSource: expected one of ${PRICE_SOURCES.join(", ")}; dropped`);
    }
  }

  const attributes = cleanAttributes(source.attributes, problems);
  if (attributes !== undefined) event.attributes = attributes;
  const breakdown = cleanBreakdown(source.costBreakdown, problems);
  if (breakdown !== undefined) event.costBreakdown = breakdown;

  for (const key of Object.keys(source)) {
    if (!KNOWN_FIELDS.has(key)) problems.push(`${key}: not a usage event field; ignored`);
  }

  fillDefaults(event, options.nowMs, problems);
  checkConsistency(event, problems);
  return { event, problems };
}

function fillDefaults(event: UsageEvent, nowMs: number | undefined, problems: string[]): void {
  event.id ??= randomUUID();
  if (event.timestamp === undefined) {
    event.timestamp = new Date(nowMs ?? Date.now()).toISOString();
  } else {
    const time = Date.parse(event.timestamp);
    if (Number.isNaN(time)) {
      problems.push(`timestamp: "${event.timestamp}" is not a date; used the current time`);
      event.timestamp = new Date(nowMs ?? Date.now()).toISOString();
    } else {
      event.timestamp = new Date(time).toISOString();
    }
  }
  event.operation ??= DEFAULT_OPERATION[event.kind];
  event.provider = event.provider?.trim().toLowerCase() || "unknown";
  event.model ??= "unknown";
  event.success ??= event.errorType === undefined;
  if (
    event.totalTokens === undefined &&
    (event.inputTokens !== undefined || event.outputTokens !== undefined)
  ) {
    event.totalTokens = (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
  }
}

function checkConsistency(event: UsageEvent, problems: string[]): void {
  const cacheParts =
    (event.cacheReadTokens ?? 0) +
    (event.cacheWriteTokens ?? 0) +
    (event.cacheWrite5mTokens ?? 0) +
    (event.cacheWrite1hTokens ?? 0);
  if (event.inputTokens !== undefined && cacheParts > event.inputTokens) {
    problems.push(
      `cache tokens (${cacheParts}) exceed inputTokens (${event.inputTokens}): inputTokens must include cache reads and writes`,
    );
  }
  if (
    event.outputTokens !== undefined &&
    event.reasoningTokens !== undefined &&
    event.reasoningTokens > event.outputTokens
  ) {
    problems.push(
      `reasoningTokens (${event.reasoningTokens}) exceed outputTokens (${event.outputTokens}): outputTokens must include reasoning`,
    );
  }
}

function cleanAttributes(
  value: unknown,
  problems: string[],
): Record<string, AttributeValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push("attributes: expected an object of string, number or boolean values; dropped");
    return undefined;
  }
  const result: Record<string, AttributeValue> = {};
  let count = 0;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      problems.push(`attributes.${key}: reserved key; dropped`);
      continue;
    }
    if (key.length === 0 || key.length > MAX_ATTRIBUTE_KEY_LENGTH) {
      problems.push(`attributes: a key of ${key.length} characters; dropped`);
      continue;
    }
    if (count >= MAX_ATTRIBUTES) {
      problems.push(`attributes: more than ${MAX_ATTRIBUTES}; the rest dropped`);
      break;
    }
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "string") {
      result[key] = item.length > MAX_TEXT_LENGTH ? item.slice(0, MAX_TEXT_LENGTH) : item;
      if (item.length > MAX_TEXT_LENGTH) problems.push(`attributes.${key}: truncated`);
    } else if (typeof item === "boolean" || (typeof item === "number" && Number.isFinite(item))) {
      result[key] = item;
    } else {
      if (item !== undefined)
        problems.push(`attributes.${key}: expected a string, finite number or boolean; dropped`);
      continue;
    }
    count += 1;
  }
  return count === 0 ? undefined : result;
}

function cleanBreakdown(value: unknown, problems: string[]): CostBreakdown | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push("costBreakdown: expected an object of USD amounts; dropped");
    return undefined;
  }
  const result: CostBreakdown = {};
  let count = 0;
  for (const key of Object.keys(value)) {
    const amount = (value as Record<string, unknown>)[key];
    if (!COST_UNITS.has(key)) {
      problems.push(`costBreakdown.${key}: not a cost unit; dropped`);
    } else if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      problems.push(`costBreakdown.${key}: expected a non-negative finite number; dropped`);
    } else {
      result[key as keyof CostBreakdown] = amount;
      count += 1;
    }
  }
  return count === 0 ? undefined : result;
}
