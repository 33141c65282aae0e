import { randomFillSync } from "node:crypto";
import { formatIsoTimestamp } from "./iso-timestamp.ts";
import { redactSecrets } from "./redact-secrets.ts";
import {
  type AttributeValue,
  type Attribution,
  BOOLEAN_FIELDS,
  CODE_LIST_FIELDS,
  COUNT_FIELDS,
  type CostBreakdown,
  MEASURE_FIELDS,
  PRICE_SOURCES,
  type PriceSource,
  SIGNED_NUMBER_FIELDS,
  STRING_FIELDS,
  TOOL_CALL_KEYS,
  type ToolCalls,
  USAGE_KINDS,
  type UsageEvent,
  type UsageKind,
} from "./usage-event.ts";

/** Longest kept string for names and ids; longer ones are truncated. */
export const MAX_STRING_LENGTH = 256;
/**
 * Plausible bounds (docs/reliability.md): a count or cost beyond them is a bug upstream, not a
 * measurement, and would turn totals into Infinity. Such a value is dropped (unknown) and the
 * event counts in `getHealth().corrected`.
 */
export const MAX_COUNT = 1e12;
/** The most one call may cost, in USD. */
export const MAX_COST_USD = 1e6;
/** The bound of the other measures (milliseconds, seconds, sampling parameters). */
const MAX_MEASURE = 1e12;

function measureBound(field: string): number {
  return field === "costUsd" || field === "estimatedCostUsd" ? MAX_COST_USD : MAX_MEASURE;
}

/** Whether a cost in USD is finite, non-negative and within `MAX_COST_USD`. */
export function isPlausibleCost(costUsd: number): boolean {
  return Number.isFinite(costUsd) && costUsd >= 0 && costUsd <= MAX_COST_USD;
}
/** Longest kept error message or attribute value. */
export const MAX_TEXT_LENGTH = 2048;
/** Most free attributes kept on one event. */
export const MAX_ATTRIBUTES = 64;
const MAX_ATTRIBUTE_KEY_LENGTH = 128;
/** Most entries kept in a list of codes (`finishReasons`): one per choice, and nobody asks for more. */
export const MAX_CODE_LIST_LENGTH = 16;
/** Longest kept code in such a list: finish reasons are short words, never text. */
export const MAX_CODE_LENGTH = 64;
/** Highest TCP port number. */
const MAX_PORT = 65535;

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
  "tools",
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

/** How `normalizeUsageEvent` reads its input; all optional. */
export interface NormalizeOptions {
  /** The time for an event without a valid timestamp, in ms since the epoch. Default now. */
  nowMs?: number;
  /** Input fields left out silently: state a caller carries beside the event (the meter's). Event fields cannot be skipped. */
  skipFields?: ReadonlySet<string>;
  /** Fields that are not event fields become free attributes (under the input's own `attributes`) instead of problems. */
  inlineAttributes?: boolean;
  /** Attribution filling what the input leaves undefined; its free attributes go under the input's. */
  outerAttribution?: Attribution;
  /** Attribution under `outerAttribution`: fills what both leave undefined. */
  defaultAttribution?: Attribution;
  /** Secrets the caller knows of (the client's API key): removed from free text whatever their shape. */
  secrets?: readonly string[] | undefined;
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
  options: NormalizeOptions = {},
): NormalizeResult {
  const problems: string[] = [];
  const source: Record<string, unknown> =
    input !== null && typeof input === "object" ? (input as Record<string, unknown>) : {};
  if (source !== input) problems.push("event is not an object; recorded an empty event");

  const event = {} as UsageEvent;
  const target = event as unknown as Record<string, unknown>;
  let timestamp: unknown;
  const { skipFields, outerAttribution, defaultAttribution } = options;
  let inline: Record<string, unknown> | undefined;
  // Free attributes from several places are merged, then validated once, after the fields.
  const mergeAttributes =
    options.inlineAttributes === true ||
    outerAttribution?.attributes !== undefined ||
    defaultAttribution?.attributes !== undefined;
  let ownAttributes: unknown;

  // One pass over the fields present: events carry a handful of the ~40 possible fields. The
  // input is read as it is, never copied: callers hand over their own objects.
  for (const field of Object.keys(source)) {
    const fieldKind = FIELD_KINDS.get(field);
    if (fieldKind === undefined) {
      // Skipped fields are never event fields: only the rest need the second lookup.
      if (skipFields?.has(field)) continue;
      const value = source[field];
      if (options.inlineAttributes === true) {
        inline ??= {};
        inline[field] = value;
      } else {
        problems.push(`${field}: not a usage event field; ignored`);
      }
      continue;
    }
    const value = source[field];
    if (fieldKind === "attributes" && mergeAttributes) {
      ownAttributes = value;
      continue;
    }
    if (value === undefined || value === null) continue;
    if (fieldKind === "timestamp") timestamp = value;
    else normalizeField(target, field, fieldKind, value, problems, options.secrets);
  }
  if (outerAttribution !== undefined || defaultAttribution !== undefined) {
    for (const field of ATTRIBUTION_FIELDS) {
      if (source[field] !== undefined) continue;
      const outer = outerAttribution?.[field];
      const value = outer !== undefined ? outer : defaultAttribution?.[field];
      if (value !== undefined && value !== null)
        normalizeField(target, field, "string", value, problems, undefined);
    }
  }
  if (mergeAttributes) {
    const merged =
      inline === undefined &&
      outerAttribution?.attributes === undefined &&
      defaultAttribution?.attributes === undefined
        ? ownAttributes
        : {
            ...defaultAttribution?.attributes,
            ...outerAttribution?.attributes,
            ...inline,
            ...(ownAttributes as object | undefined),
          };
    if (merged !== undefined && merged !== null)
      normalizeField(target, "attributes", "attributes", merged, problems, options.secrets);
  }

  event.kind ??= "llm";
  event.timestamp = normalizeTimestamp(timestamp, options.nowMs, problems);
  repairConsistency(event, problems);
  fillDefaults(event);
  return { event, problems };
}

const ATTRIBUTION_FIELDS = [
  "tenantId",
  "userId",
  "sessionId",
  "conversationId",
  "organizationId",
] as const satisfies readonly (keyof Attribution)[];

/** Validates one present (non-null) value of `field` and keeps it on `target`, or says why not. */
function normalizeField(
  target: Record<string, unknown>,
  field: string,
  fieldKind: FieldKind,
  value: unknown,
  problems: string[],
  secrets: readonly string[] | undefined,
): void {
  switch (fieldKind) {
    case "string":
      if (typeof value !== "string") {
        problems.push(`${field}: expected a string, got ${typeof value}; dropped`);
        break;
      }
      normalizeString(target, field, value, problems, secrets);
      break;
    case "httpStatus":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 100 || value > 599) {
        problems.push(
          `${field}: expected an HTTP status from 100 to 599, got ${shown(value)}; dropped`,
        );
      } else {
        target[field] = value;
      }
      break;
    case "count":
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        problems.push(
          `${field}: expected a non-negative finite number, got ${shown(value)}; dropped`,
        );
      } else if (value > MAX_COUNT) {
        problems.push(`${field}: ${value} is beyond the plausible ${MAX_COUNT}; dropped`);
      } else if (!Number.isInteger(value)) {
        problems.push(`${field}: ${value} is not a whole number; rounded`);
        target[field] = Math.round(value);
      } else {
        // -0 passes `value < 0`; stored as 0 so that every later pass and sum sees the same value.
        target[field] = value === 0 ? 0 : value;
      }
      break;
    case "measure":
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        problems.push(
          `${field}: expected a non-negative finite number, got ${shown(value)}; dropped`,
        );
      } else if (value > measureBound(field)) {
        problems.push(`${field}: ${value} is beyond the plausible ${measureBound(field)}; dropped`);
      } else {
        target[field] = value === 0 ? 0 : value;
      }
      break;
    case "signedNumber":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        problems.push(`${field}: expected a finite number, got ${shown(value)}; dropped`);
      } else {
        target[field] = value;
      }
      break;
    case "port":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PORT) {
        problems.push(
          `${field}: expected a whole number from 1 to ${MAX_PORT}, got ${shown(value)}; dropped`,
        );
      } else {
        target[field] = value;
      }
      break;
    case "codeList": {
      const codes = cleanCodeList(field, value, problems);
      if (codes !== undefined) target[field] = codes;
      break;
    }
    case "boolean":
      if (typeof value !== "boolean") {
        problems.push(`${field}: expected true or false, got ${shown(value)}; dropped`);
      } else {
        target[field] = value;
      }
      break;
    case "timestamp":
      break;
    case "kind":
      if (USAGE_KINDS.includes(value as UsageKind)) {
        target.kind = value;
      } else {
        problems.push(
          `kind: expected one of ${USAGE_KINDS.join(", ")}, got ${shown(value)}; used "other"`,
        );
        target.kind = "other";
      }
      break;
    case "priceSource":
      if (PRICE_SOURCES.includes(value as PriceSource)) {
        target.priceSource = value;
      } else {
        problems.push(`priceSource: expected one of ${PRICE_SOURCES.join(", ")}; dropped`);
      }
      break;
    case "attributes": {
      const attributes = cleanAttributes(value, problems, secrets);
      if (attributes !== undefined) target.attributes = attributes;
      break;
    }
    case "costBreakdown": {
      const breakdown = cleanBreakdown(value, problems);
      if (breakdown !== undefined) target.costBreakdown = breakdown;
      break;
    }
    case "toolCalls": {
      const toolCalls = cleanToolCalls(value, problems);
      if (toolCalls !== undefined) target.toolCalls = toolCalls;
      break;
    }
  }
}

/** Free text that can carry what a provider echoed: redacted before it is kept. */
const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set([
  "errorMessage",
  "errorType",
  "providerErrorType",
  "errorCode",
]);

/**
 * Keeps a string field, truncated to its limit. Free text is redacted first (a key cut in half
 * by the truncation would no longer be recognised); a text far beyond the limit is cut to four
 * times the limit before that, so the redaction's work stays bounded.
 */
function normalizeString(
  target: Record<string, unknown>,
  field: string,
  value: string,
  problems: string[],
  secrets: readonly string[] | undefined,
): void {
  const limit = field === "errorMessage" ? MAX_TEXT_LENGTH : MAX_STRING_LENGTH;
  let text = value;
  if (FREE_TEXT_FIELDS.has(field)) text = redactSecrets(text.slice(0, 4 * limit), secrets);
  if (value.length > limit) {
    problems.push(`${field}: longer than ${limit} characters; truncated`);
    text = text.slice(0, limit);
  }
  if (text.length > 0) target[field] = text;
}

type FieldKind =
  | "string"
  | "httpStatus"
  | "count"
  | "measure"
  | "signedNumber"
  | "port"
  | "codeList"
  | "boolean"
  | "timestamp"
  | "kind"
  | "priceSource"
  | "attributes"
  | "costBreakdown"
  | "toolCalls";

const FIELD_KINDS = new Map<string, FieldKind>([
  ...STRING_FIELDS.map((field) => [field, "string"] as const),
  ...COUNT_FIELDS.map((field) => [field, "count"] as const),
  ...MEASURE_FIELDS.map((field) => [field, "measure"] as const),
  ...BOOLEAN_FIELDS.map((field) => [field, "boolean"] as const),
  ...SIGNED_NUMBER_FIELDS.map((field) => [field, "signedNumber"] as const),
  ...CODE_LIST_FIELDS.map((field) => [field, "codeList"] as const),
  ["serverPort", "port"],
  ["httpStatus", "httpStatus"],
  ["timestamp", "timestamp"],
  ["kind", "kind"],
  ["priceSource", "priceSource"],
  ["attributes", "attributes"],
  ["costBreakdown", "costBreakdown"],
  ["toolCalls", "toolCalls"],
]);

/** Every field name of `UsageEvent`. */
export const USAGE_EVENT_FIELDS: ReadonlySet<string> = new Set(FIELD_KINDS.keys());

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An ISO 8601 string in UTC from an ISO string, epoch ms or a Date; now when absent or invalid. */
function normalizeTimestamp(value: unknown, nowMs: number | undefined, problems: string[]): string {
  if (value === undefined || value === null) return formatIsoTimestamp(nowMs ?? Date.now());
  let time = Number.NaN;
  if (typeof value === "string") {
    time = value.length <= MAX_TEXT_LENGTH ? Date.parse(value) : Number.NaN;
    // Already canonical (as the meter and exports write it): keep the string as it is.
    if (!Number.isNaN(time) && CANONICAL_TIMESTAMP.test(value)) return value;
  } else if (typeof value === "number") {
    time = value;
  } else if (value instanceof Date) {
    time = value.getTime();
  }
  if (!Number.isFinite(time) || Math.abs(time) > 8.64e15) {
    problems.push(`timestamp: "${shown(value)}" is not a date; used the current time`);
    return formatIsoTimestamp(nowMs ?? Date.now());
  }
  return formatIsoTimestamp(time);
}

/**
 * A bad value as a problem sentence shows it: at most 64 characters, and never a throw (an object
 * without a prototype, or whose `toString` throws, cannot be turned into a string).
 */
function shown(value: unknown): string {
  try {
    return String(value).slice(0, 64);
  } catch {
    return typeof value;
  }
}

// Most events name the same provider as the previous one: its cleaned form is remembered.
let lastProviderInput: string | undefined;
let lastProvider = "unknown";

function normalizeProvider(provider: string | undefined): string {
  if (provider !== lastProviderInput) {
    lastProvider = provider?.trim().toLowerCase() || "unknown";
    lastProviderInput = provider;
  }
  return lastProvider;
}

function fillDefaults(event: UsageEvent): void {
  event.id ??= timeOrderedId(Date.now());
  event.operation ??= DEFAULT_OPERATION[event.kind];
  event.provider = normalizeProvider(event.provider);
  event.model ??= "unknown";
  event.success ??= event.errorType === undefined;
  if (
    event.totalTokens === undefined &&
    (event.inputTokens !== undefined || event.outputTokens !== undefined)
  ) {
    event.totalTokens = (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
  }
}

/**
 * Repairs counts that break the token convention, so that a normalized event is always
 * consistent (normalizing it again changes nothing). Cache parts larger than `inputTokens` mean
 * the uncached input was reported alone (Anthropic's shape), so they are added to it; reasoning
 * larger than `outputTokens` means it was reported apart (xAI's shape), so it is added too.
 */
function repairConsistency(event: UsageEvent, problems: string[]): void {
  const reportedTotal = event.totalTokens;
  const derivedTotal = (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
  let repaired = false;
  const cacheParts =
    (event.cacheReadTokens ?? 0) +
    (event.cacheWriteTokens ?? 0) +
    (event.cacheWrite5mTokens ?? 0) +
    (event.cacheWrite1hTokens ?? 0);
  if (event.inputTokens !== undefined && cacheParts > event.inputTokens) {
    problems.push(
      `cache tokens (${cacheParts}) exceed inputTokens (${event.inputTokens}): inputTokens must include cache reads and writes; added them to it`,
    );
    event.inputTokens += cacheParts;
    repaired = true;
  }
  if (
    event.outputTokens !== undefined &&
    event.reasoningTokens !== undefined &&
    event.reasoningTokens > event.outputTokens
  ) {
    problems.push(
      `reasoningTokens (${event.reasoningTokens}) exceed outputTokens (${event.outputTokens}): outputTokens must include reasoning; added it to it`,
    );
    event.outputTokens += event.reasoningTokens;
    repaired = true;
  }
  // A total that matched the uncorrected counts is corrected with them.
  if (repaired && (reportedTotal === undefined || reportedTotal === derivedTotal)) {
    event.totalTokens = (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
  }
}

function cleanAttributes(
  value: unknown,
  problems: string[],
  secrets: readonly string[] | undefined,
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
      // Attribute values are free text too (a URL, an upstream error): redacted like messages.
      const text = redactSecrets(item.slice(0, 4 * MAX_TEXT_LENGTH), secrets);
      result[key] = text.length > MAX_TEXT_LENGTH ? text.slice(0, MAX_TEXT_LENGTH) : text;
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

/**
 * A list of short codes (finish reasons): strings only, each at most `MAX_CODE_LENGTH` characters
 * and at most `MAX_CODE_LIST_LENGTH` of them. A long entry is dropped rather than truncated: a
 * code cut in half means nothing, and a long one is likely text that must not be stored.
 */
function cleanCodeList(field: string, value: unknown, problems: string[]): string[] | undefined {
  if (!Array.isArray(value)) {
    problems.push(`${field}: expected an array of short strings, got ${typeof value}; dropped`);
    return undefined;
  }
  const result: string[] = [];
  for (const item of value) {
    if (typeof item !== "string" || item.length === 0 || item.length > MAX_CODE_LENGTH) {
      problems.push(
        `${field}: an entry that is not a string of 1 to ${MAX_CODE_LENGTH} characters; dropped`,
      );
      continue;
    }
    if (result.length >= MAX_CODE_LIST_LENGTH) {
      problems.push(`${field}: more than ${MAX_CODE_LIST_LENGTH} entries; the rest dropped`);
      break;
    }
    result.push(item);
  }
  return result.length === 0 ? undefined : result;
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

const TOOL_CALL_KEY_SET: ReadonlySet<string> = new Set(TOOL_CALL_KEYS);

// Counts of tool uses are priced per use, so each must be a plausible whole number; a key that
// names no known tool is dropped with a message rather than kept unpriced and unseen.
function cleanToolCalls(value: unknown, problems: string[]): ToolCalls | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push("toolCalls: expected an object of counts such as { webSearch: 2 }; dropped");
    return undefined;
  }
  const result: ToolCalls = {};
  let kept = 0;
  for (const key of Object.keys(value)) {
    const amount = (value as Record<string, unknown>)[key];
    if (!TOOL_CALL_KEY_SET.has(key)) {
      problems.push(
        `toolCalls.${key}: not a known tool (known: ${TOOL_CALL_KEYS.join(", ")}); dropped`,
      );
    } else if (
      typeof amount !== "number" ||
      !Number.isFinite(amount) ||
      amount < 0 ||
      amount > MAX_COUNT
    ) {
      problems.push(
        `toolCalls.${key}: expected a non-negative finite count, got ${shown(amount)}; dropped`,
      );
    } else {
      if (!Number.isInteger(amount))
        problems.push(`toolCalls.${key}: ${amount} is not a whole number; rounded`);
      result[key as keyof ToolCalls] = Math.round(amount);
      kept += 1;
    }
  }
  return kept === 0 ? undefined : result;
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of milliseconds, then 74 random bits. Ids that grow with
 * time keep the ledger's unique-id index appending at its end, which makes ingest several times
 * faster than random (v4) ids. The random bits come from the OS's cryptographic generator, like
 * `crypto.randomUUID()`'s, drawn 4 KiB at a time; the digits are written into a reused buffer and
 * decoded once, so the id is one flat string (not a rope of pieces kept alive with the event).
 * Unique across processes as v4 ids are: 74 random bits each.
 */
export function timeOrderedId(nowMs: number): string {
  const text = idText;
  if (nowMs !== idTime) {
    // The low 48 bits of the milliseconds as 12 hex digits, around the dash at position 8.
    let time = nowMs;
    for (let digit = 11; digit >= 0; digit--) {
      text[digit < 8 ? digit : digit + 1] = HEX[time % 16]!;
      time = Math.floor(time / 16);
    }
    idTime = nowMs;
  }
  if (randomOffset + RANDOM_BYTES_PER_ID > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const bytes = randomPool;
  const at = randomOffset;
  randomOffset += RANDOM_BYTES_PER_ID;
  // xxxxxxxx-xxxx-7aaa-Vbbb-bbbbbbbbbbbb: rand_a is 12 bits, V the variant (binary 10) and 2
  // random bits, then 14 + 48 random bits (RFC 9562 §5.7).
  text[15] = HEX[bytes[at]! & 0x0f]!;
  text[16] = HEX[bytes[at + 1]! >> 4]!;
  text[17] = HEX[bytes[at + 1]! & 0x0f]!;
  text[19] = HEX[0x08 | (bytes[at + 2]! & 0x03)]!;
  text[20] = HEX[bytes[at + 3]! & 0x0f]!;
  text[21] = HEX[bytes[at + 4]! >> 4]!;
  text[22] = HEX[bytes[at + 4]! & 0x0f]!;
  for (let index = 0; index < 6; index++) {
    const byte = bytes[at + 5 + index]!;
    text[24 + 2 * index] = HEX[byte >> 4]!;
    text[25 + 2 * index] = HEX[byte & 0x0f]!;
  }
  return text.toString("latin1", 0, 36);
}

const RANDOM_BYTES_PER_ID = 11;
// Filled on first use: importing this module draws no entropy.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;
const HEX = Buffer.from("0123456789abcdef", "latin1");
// The id being written; its dashes never move, its first 15 characters change once a millisecond.
const idText = Buffer.from("00000000-0000-7000-8000-000000000000", "latin1");
let idTime = Number.NaN;
