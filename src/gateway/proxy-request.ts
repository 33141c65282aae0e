import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { BudgetExceededError } from "../budgets/budget-exceeded-error.ts";
import type { Meter, TrackerHandle } from "../meter/types.ts";
import type { ProxyOutcome } from "./access-log.ts";
import { attributionFromHeaders } from "./attribution-headers.ts";
import { budgetRefusalMessage, errorBody, type GatewayFailure } from "./error-bodies.ts";
import {
  CREDENTIAL_HEADERS,
  requestHeadersToForward,
  requestSecrets,
  responseHeadersToForward,
} from "./forward-headers.ts";
import type { GatewayAccess, GatewayAccessDecision } from "./gateway-access.ts";
import type { GatewayRoute, WireFormat } from "./gateway-providers.ts";
import { readBody } from "./read-body.ts";
import { SseReader } from "./sse-forwarding.ts";
import type { TraceContinuation } from "./trace-context.ts";
import { abortError, errorCode, isTimeout, upstreamHttpError } from "./upstream-errors.ts";
import { headerText, type WireCall, type WireCallReader } from "./wire-call.ts";

/** What one proxied request needs from its gateway. */
export interface ProxyContext {
  meter: Meter;
  dispatcher: Dispatcher;
  access: GatewayAccess;
  trace: TraceContinuation;
  readers: Readonly<Record<WireFormat, WireCallReader>>;
  maxRequestBytes: number;
  /** Reports a metering problem (never a request's body or credentials). */
  warn(message: string, error?: unknown): void;
}

/** The error kind of each status an `access` hook refuses with. */
const REFUSAL_FAILURES: Record<401 | 403 | 429 | 503, GatewayFailure> = {
  401: "unauthorized",
  403: "forbidden",
  429: "rate_limited",
  503: "upstream_unavailable",
};

/** The largest response the gateway keeps a copy of to read its usage (the client gets it all). */
const MAX_READ_BYTES = 32 * 1024 * 1024;

/**
 * Forwards one request to `route` and meters it. The response reaches the client piece by piece
 * as it arrives; the gateway reads a copy of what passes. A failure to meter never fails the
 * request, and only a budget refusal (before anything is sent) stops one.
 */
export async function proxyRequest(
  context: ProxyContext,
  request: IncomingMessage,
  response: ServerResponse,
  route: GatewayRoute,
  path: string,
  query: URLSearchParams,
  search: string,
): Promise<ProxyOutcome> {
  const wire = route.wire;
  const method = request.method ?? "GET";
  const decision = await askAccess(context.access, route, method, path, search, request.headers);
  if (decision.kind === "refused") {
    sendError(
      response,
      wire,
      decision.status,
      REFUSAL_FAILURES[decision.status],
      decision.message,
      decision.retryAfterSeconds === undefined
        ? {}
        : { "retry-after": String(decision.retryAfterSeconds) },
    );
    return { status: decision.status, outcome: "refused" };
  }
  const keyLabel = decision.kind === "virtual-key" ? { virtualKey: decision.keyId } : {};
  const body = await readBody(request, context.maxRequestBytes);
  if (body === undefined) {
    sendError(
      response,
      wire,
      413,
      "request_too_large",
      `llmeter gateway: the request body is larger than the gateway's limit of ${context.maxRequestBytes} bytes (gateway.maxRequestBytes in .llmeter/config.json).`,
      { connection: "close" },
    );
    return { status: 413, outcome: "refused", ...keyLabel };
  }
  if (route.baseUrl === undefined) {
    const message = `llmeter gateway: no base URL is configured for "${route.name}". Set gateway.providers.${route.name}.baseUrl in .llmeter/config.json (or --${route.name}-base-url), e.g. https://<resource>.openai.azure.com.`;
    sendError(response, wire, 404, "not_found", message);
    return { status: 404, outcome: "refused", ...keyLabel };
  }

  const call = describeCall(context, route, method, path, query, request.headers, body);
  // The model and key every outcome from here on is labelled with.
  const labels = { ...callLabels(call), ...keyLabel };
  const tracker =
    call === undefined ? undefined : startTracker(context, call, request.headers, query, decision);
  if (tracker instanceof BudgetExceededError) {
    const retryAfter = Math.max(
      1,
      Math.ceil((Date.parse(tracker.windowEndsAt) - Date.now()) / 1000),
    );
    sendError(response, wire, 429, "budget_exceeded", budgetRefusalMessage(tracker), {
      "retry-after": String(retryAfter),
      // The OpenAI and Anthropic SDKs retry a 429 unless told not to: this one will not pass.
      "x-should-retry": "false",
    });
    return { status: 429, outcome: "refused", ...labels };
  }

  const headers = requestHeadersToForward(request.headers, call !== undefined);
  if (decision.kind === "virtual-key") useProviderKey(headers, route, decision.providerKey);
  const sent =
    call?.forwardBody !== undefined ? Buffer.from(JSON.stringify(call.forwardBody)) : body;
  const upstreamUrl = new URL(
    `${route.baseUrl}${path}${virtualKeySearch(decision, query, search)}`,
  );
  const abort = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (response.writableFinished) return;
    clientGone = true;
    abort.abort();
  };
  response.once("close", onClose);

  let upstream: Dispatcher.ResponseData;
  try {
    const send = () =>
      context.dispatcher.request({
        origin: upstreamUrl.origin,
        path: `${upstreamUrl.pathname}${upstreamUrl.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: sent.length === 0 && (method === "GET" || method === "HEAD") ? undefined : sent,
        signal: abort.signal,
      });
    upstream = await (tracker?.run === undefined ? send() : tracker.run(send));
  } catch (error) {
    response.off("close", onClose);
    if (clientGone) {
      endTracker(tracker, (track) => track.setError(abortError()));
      return { status: 499, outcome: "aborted", ...labels };
    }
    const timeout = isTimeout(error);
    const status = timeout ? 504 : 502;
    const message = `llmeter gateway: ${route.name} at ${upstreamUrl.host} ${timeout ? "did not answer in time" : "could not be reached"} (${errorCode(error)}).`;
    endTracker(tracker, (track) => track.setError(error));
    sendError(
      response,
      wire,
      status,
      timeout ? "upstream_timeout" : "upstream_unavailable",
      message,
    );
    return { status, outcome: "upstream_error", ...labels };
  }

  const status = upstream.statusCode;
  const contentType = headerText(upstream.headers, "content-type") ?? "";
  const streamed =
    call !== undefined &&
    tracker !== undefined &&
    status < 400 &&
    contentType.includes("text/event-stream");
  const rewrite = streamed && call.hideUsage;
  response.writeHead(status, responseHeadersToForward(upstream.headers, rewrite));
  const reader =
    tracker === undefined || call === undefined
      ? undefined
      : streamed
        ? new SseReader(call.streamHandler(tracker, upstream.headers), rewrite, context.warn)
        : new JsonCopy();
  let failure: unknown;
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      const visible = reader instanceof SseReader ? reader.push(chunk) : chunk;
      if (reader instanceof JsonCopy) reader.push(chunk);
      if (visible !== undefined && visible.length > 0) await write(response, visible);
      if (clientGone) break;
    }
    if (reader instanceof SseReader && !clientGone) {
      const rest = reader.finish();
      if (rest !== undefined && rest.length > 0) await write(response, rest);
    }
  } catch (error) {
    failure = error;
  } finally {
    response.off("close", onClose);
  }
  if (clientGone) {
    // The body is left unread: undici closes the upstream request on the abort.
    if (reader instanceof SseReader) reader.end({ type: "aborted" });
    else endTracker(tracker, (track) => track.setError(abortError()));
    return { status, outcome: "aborted", ...labels };
  }
  if (failure !== undefined) {
    // The provider's connection broke mid-body: the client sees the same truncated response.
    response.destroy();
    if (reader instanceof SseReader) reader.end({ type: "error", error: failure });
    else endTracker(tracker, (track) => track.setError(failure));
    return { status, outcome: "upstream_error", ...labels };
  }
  response.end();
  if (reader instanceof SseReader) reader.end({ type: "complete" });
  else if (reader instanceof JsonCopy && call !== undefined && tracker !== undefined)
    recordJson(context, call, tracker, status, upstream.headers, reader.value());
  return { status, outcome: "forwarded", ...labels };
}

function askAccess(
  access: GatewayAccess,
  route: GatewayRoute,
  method: string,
  path: string,
  search: string,
  headers: IncomingHttpHeaders,
): Promise<GatewayAccessDecision> {
  return access({ provider: route.name, method, path: `${path}${search}`, headers });
}

function describeCall(
  context: ProxyContext,
  route: GatewayRoute,
  method: string,
  path: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  body: Buffer,
): WireCall | undefined {
  try {
    return context.readers[route.wire](
      { method, path, query, body: parseJson(body, headers) },
      route.eventProvider,
      route.injectStreamUsage,
    );
  } catch (error) {
    context.warn(`could not read a ${route.name} request; it is forwarded unmetered`, error);
    return undefined;
  }
}

/**
 * Starts the call's tracker in the context of the client's `traceparent`, attributed by the
 * request's headers (a virtual key's tenant and user win). A budget refusal comes back as the
 * error; any other metering failure leaves the call unmetered.
 */
function startTracker(
  context: ProxyContext,
  call: WireCall,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  decision: GatewayAccessDecision,
): TrackerHandle | BudgetExceededError | undefined {
  const info = { ...call.info, ...attributionFromHeaders(headers) };
  // The client's credentials (a virtual key's secret too) and the provider key swapped in are
  // removed from anything the meter records.
  const secrets = requestSecrets(headers, query);
  if (decision.kind === "virtual-key") {
    if (decision.tenant !== undefined) info.tenantId = decision.tenant;
    if (decision.user !== undefined) info.userId = decision.user;
    info.attributes = { ...info.attributes, virtualKey: decision.keyId };
    secrets.push(decision.providerKey);
  }
  if (secrets.length > 0) info.secrets = secrets;
  try {
    return context.trace.run(headerText(headers, "traceparent"), () => context.meter.start(info));
  } catch (error) {
    if (BudgetExceededError.isInstance(error)) return error;
    context.warn("a call could not be metered; it is forwarded unmetered", error);
    return undefined;
  }
}

/** Replaces whatever credential the client sent with the provider key, in the provider's header. */
function useProviderKey(
  headers: Record<string, string | string[]>,
  route: GatewayRoute,
  providerKey: string,
): void {
  for (const name of CREDENTIAL_HEADERS) delete headers[name];
  if (route.wire === "anthropic") headers["x-api-key"] = providerKey;
  else if (route.wire === "gemini") headers["x-goog-api-key"] = providerKey;
  else if (route.name === "azure") headers["api-key"] = providerKey;
  else headers.authorization = `Bearer ${providerKey}`;
}

/** A virtual key's request must not carry the client's `?key=` to the provider. */
function virtualKeySearch(
  decision: GatewayAccessDecision,
  query: URLSearchParams,
  search: string,
): string {
  if (decision.kind !== "virtual-key" || !query.has("key")) return search;
  const rest = new URLSearchParams(query);
  rest.delete("key");
  const text = rest.toString();
  return text === "" ? "" : `?${text}`;
}

function recordJson(
  context: ProxyContext,
  call: WireCall,
  tracker: TrackerHandle,
  status: number,
  headers: IncomingHttpHeaders,
  value: unknown,
): void {
  try {
    if (status >= 400) {
      tracker.setError(upstreamHttpError(status, value));
    } else if (Array.isArray(value) && call.info.streaming === true) {
      // Gemini's `streamGenerateContent` without `alt=sse` answers one JSON array of its chunks.
      const handler = call.streamHandler(tracker, headers);
      for (const item of value) handler.chunk(item);
      handler.end({ type: "complete" });
      return;
    } else {
      call.recordResult(value, tracker, headers);
    }
  } catch (error) {
    context.warn("a response could not be read for its usage", error);
  }
  endTracker(tracker, () => {});
}

function callLabels(call: WireCall | undefined): Pick<ProxyOutcome, "model"> {
  return call === undefined ? {} : { model: call.info.model };
}

/** Ends a tracker after `settle` told it the outcome; never throws. */
function endTracker(
  tracker: TrackerHandle | undefined,
  settle: (tracker: TrackerHandle) => void,
): void {
  if (tracker === undefined) return;
  try {
    settle(tracker);
    tracker.end();
  } catch {
    // Metering never fails a request.
  }
}

/** A copy of a JSON response, kept to read its usage once it is complete. */
class JsonCopy {
  private readonly parts: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size <= MAX_READ_BYTES) this.parts.push(chunk);
  }

  value(): unknown {
    if (this.size > MAX_READ_BYTES || this.size === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(this.parts).toString("utf8"));
    } catch {
      return undefined;
    }
  }
}

/** Writes to the client, waiting when its socket is full (or gone). */
function write(response: ServerResponse, data: Buffer): Promise<void> | undefined {
  if (response.write(data) || response.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

function parseJson(body: Buffer, headers: IncomingHttpHeaders): unknown {
  if (body.length === 0) return undefined;
  const type = headerText(headers, "content-type");
  if (type !== undefined && !type.includes("json")) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function sendError(
  response: ServerResponse,
  wire: WireFormat,
  status: number,
  failure: GatewayFailure,
  message: string,
  extra: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(errorBody(wire, status, failure, message));
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...extra,
  });
  response.end(text);
}
