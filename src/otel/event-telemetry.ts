import {
  type Attributes,
  type Context,
  type HrTime,
  type Logger,
  type SeverityNumber,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TimeInput,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { UsageEvent } from "../usage/usage-event.ts";
import { spanName } from "./event-attributes.ts";

/** Log records are named by this event name (`event_name` in OTLP). */
export const USAGE_LOG_EVENT_NAME = "llmeter.usage";

// SeverityNumber.INFO and .WARN: plain numbers, so no enum is needed at run time.
const SEVERITY_INFO = 9 as SeverityNumber;
const SEVERITY_WARN = 13 as SeverityNumber;

/** When the call started and ended, in epoch milliseconds (sub-millisecond precision kept). */
export interface CallTimes {
  startMs: number;
  endMs: number;
}

/** The call's times from the event: `timestamp` plus `latencyMs`. */
export function eventTimes(event: UsageEvent): CallTimes {
  const startMs = Date.parse(event.timestamp);
  return { startMs, endMs: startMs + (event.latencyMs ?? 0) };
}

/**
 * Epoch milliseconds (fractions kept) as the SDKs' own `[seconds, nanoseconds]`: given that, they
 * take the time as it is instead of telling a relative from an absolute number each time.
 */
export function toHrTime(epochMs: number): HrTime {
  let seconds = Math.trunc(epochMs / 1000);
  let nanoseconds = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanoseconds >= 1e9) {
    seconds += 1;
    nanoseconds -= 1e9;
  }
  return [seconds, nanoseconds];
}

/** Starts the CLIENT span of a call, in `parent`, at `startTime` (epoch ms or `HrTime`). */
export function startCallSpan(
  tracer: Tracer,
  parent: Context,
  name: string,
  startTime: TimeInput,
  attributes?: Attributes,
): Span {
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime, attributes }, parent);
}

/** Sets the finished call's attributes, name and status on its span and ends it at `endMs`. */
export function endCallSpan(
  span: Span,
  event: UsageEvent,
  attributes: Attributes,
  endMs: number,
): void {
  span.updateName(spanName(event.operation, event.model));
  span.setAttributes(attributes);
  if (!event.success) {
    // The status message is the error's type, not its message: messages can quote prompts.
    span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorType });
  }
  span.end(endMs);
}

/**
 * Ends a call's span with the finished call's attributes, setting each attribute once: those the
 * span was started with (`startAttributes`, for samplers) are skipped when unchanged. `rename`
 * gives the span its final name when it was started before the call's details were known.
 */
export function finishCallSpan(
  span: Span,
  event: UsageEvent,
  attributes: Attributes,
  startAttributes: Attributes | undefined,
  endTime: TimeInput,
  rename?: string,
): void {
  if (rename !== undefined) span.updateName(rename);
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || (startAttributes !== undefined && startAttributes[key] === value))
      continue;
    span.setAttribute(key, value);
  }
  if (!event.success) {
    // The status message is the error's type, not its message: messages can quote prompts.
    span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorType });
  }
  span.end(endTime);
}

/** Emits the structured usage log record of a call, linked to its span through `context`. */
export function emitCallLog(
  logger: Logger,
  event: UsageEvent,
  attributes: Attributes,
  context: Context,
  time: TimeInput,
  name: string = spanName(event.operation, event.model),
): void {
  logger.emit({
    eventName: USAGE_LOG_EVENT_NAME,
    timestamp: time,
    severityNumber: event.success ? SEVERITY_INFO : SEVERITY_WARN,
    severityText: event.success ? "INFO" : "WARN",
    body: logBody(event, name),
    attributes,
    context,
  });
}

/** A one-line summary that reads well in Loki or OpenSearch; never prompt or response text. */
function logBody(event: UsageEvent, name: string): string {
  const tokens =
    event.inputTokens !== undefined || event.outputTokens !== undefined
      ? ` ${event.inputTokens ?? "?"} in / ${event.outputTokens ?? "?"} out tokens`
      : "";
  const cost = event.costUsd !== undefined ? ` $${event.costUsd.toFixed(6)}` : "";
  const outcome = event.success ? "" : ` failed: ${event.errorType ?? "error"}`;
  return `${event.provider} ${name}${tokens}${cost}${outcome}`;
}

/** The context of `span` inside `parent`, for log records that must carry the span's ids. */
export function spanContext(parent: Context, span: Span): Context {
  return trace.setSpan(parent, span);
}
