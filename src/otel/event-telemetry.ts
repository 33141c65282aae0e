import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { Logger, SeverityNumber } from "@opentelemetry/api-logs";
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

/** Starts the CLIENT span of a call, in `parent`, at `startMs`. */
export function startCallSpan(
  tracer: Tracer,
  parent: Context,
  name: string,
  startMs: number,
  attributes?: Attributes,
): Span {
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: startMs, attributes }, parent);
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

/** Emits the structured usage log record of a call, linked to its span through `context`. */
export function emitCallLog(
  logger: Logger,
  event: UsageEvent,
  attributes: Attributes,
  context: Context,
  timeMs: number,
): void {
  logger.emit({
    eventName: USAGE_LOG_EVENT_NAME,
    timestamp: timeMs,
    severityNumber: event.success ? SEVERITY_INFO : SEVERITY_WARN,
    severityText: event.success ? "INFO" : "WARN",
    body: logBody(event),
    attributes,
    context,
  });
}

/** A one-line summary that reads well in Loki or OpenSearch; never prompt or response text. */
function logBody(event: UsageEvent): string {
  const tokens =
    event.inputTokens !== undefined || event.outputTokens !== undefined
      ? ` ${event.inputTokens ?? "?"} in / ${event.outputTokens ?? "?"} out tokens`
      : "";
  const cost = event.costUsd !== undefined ? ` $${event.costUsd.toFixed(6)}` : "";
  const outcome = event.success ? "" : ` failed: ${event.errorType ?? "error"}`;
  return `${event.provider} ${spanName(event.operation, event.model)}${tokens}${cost}${outcome}`;
}

/** The context of `span` inside `parent`, for log records that must carry the span's ids. */
export function spanContext(parent: Context, span: Span): Context {
  return trace.setSpan(parent, span);
}
