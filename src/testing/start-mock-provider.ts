import { createHash } from "node:crypto";
/**
 * The mock provider: a loopback HTTP server (node:http, no framework) that speaks the OpenAI,
 * Anthropic and Gemini wire formats with deterministic token counts, so the real SDKs can be
 * driven in tests, benchmarks and the demo without network access or API keys.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { anthropicApi } from "./anthropic-api.ts";
import { geminiApi } from "./gemini-api.ts";
import {
  DEFAULT_MOCK_PROVIDER_OPTIONS,
  MOCK_FAILURE_KINDS,
  type MockFailureKind,
  type MockProviderOptions,
  parseMockFailureKind,
  type ResolvedMockProviderOptions,
  resolveMockProviderOptions,
} from "./mock-provider-options.ts";
import {
  encodeSseEvents,
  type JsonReply,
  type MockProviderApi,
  type MockReply,
  MockRequestError,
  type SseReply,
} from "./mock-reply.ts";
import { openaiApi } from "./openai-api.ts";

/** One request the mock provider received, as recorded in `MockProvider.requests`. */
export interface MockProviderRequest {
  method: string;
  /** The path with its query string, e.g. "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse". */
  path: string;
  /** Lower-cased header names; credentials (authorization, x-api-key, ...) are redacted. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
  body: unknown;
  /**
   * Which credential arrived, as a fingerprint: where it was sent (`authorization` as a Bearer
   * token, `x-api-key`, `x-goog-api-key`, `api-key`, or the `key` query parameter) and the SHA-256
   * (hex) of the key itself, so a test can check which key a gateway sent without the mock ever
   * keeping one. Undefined when the request carried none.
   */
  credential?: { via: string; sha256: string };
}

/** A running mock provider. */
export interface MockProvider {
  /** The server's root, e.g. "http://127.0.0.1:39127". */
  url: string;
  /** For `new OpenAI({ baseURL: openaiBaseUrl, apiKey: "test" })`. */
  openaiBaseUrl: string;
  /** For `new Anthropic({ baseURL: anthropicBaseUrl, apiKey: "test" })`. */
  anthropicBaseUrl: string;
  /** For `new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: geminiBaseUrl } })`. */
  geminiBaseUrl: string;
  /**
   * The requests received so far, oldest first; the most recent `MAX_RECORDED_REQUESTS` (10,000)
   * are kept. Clear it with `requests.length = 0`.
   */
  requests: MockProviderRequest[];
  /** Changes options for the requests that arrive from now on (port and host are fixed). */
  setOptions(options: Partial<MockProviderOptions>): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** Header that injects a failure into one request: "429", "500", "broken-stream", "stream-error", ... */
export const MOCK_FAIL_HEADER = "x-mock-fail";

const APIS: MockProviderApi[] = [anthropicApi, geminiApi, openaiApi];
const REDACTED_HEADERS = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "cookie",
  "proxy-authorization",
]);
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** The request log keeps the most recent requests only, so a long-running server stays small. */
export const MAX_RECORDED_REQUESTS = 10_000;

/**
 * Starts the mock provider and resolves once it listens.
 * @example
 * const mock = await startMockProvider({ chunks: 50 });
 * const openai = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
 */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  let current: ResolvedMockProviderOptions = resolveMockProviderOptions(
    DEFAULT_MOCK_PROVIDER_OPTIONS,
    options,
  );
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}mock${(++sequence).toString().padStart(6, "0")}`;
  const requests: MockProviderRequest[] = [];
  const sockets = new Set<Socket>();

  /** The failure for this request: the header wins, else the configured failure if any is left. */
  const takeFailure = (header: string | undefined): MockFailureKind | undefined => {
    if (header !== undefined) return parseMockFailureKind(header);
    const failure = current.failure;
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) current = { ...current, failure: undefined };
    return failure.status;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const abort = new AbortController();
    response.on("close", () => abort.abort());
    const url = new URL(request.url ?? "/", "http://mock.invalid");
    const path = url.pathname;
    const api = APIS.find((candidate) => candidate.ownsPath(path)) ?? openaiApi;
    const requestId = nextId("req_");
    const rawBody = await readBody(request);
    const body = parseBody(rawBody);
    if (requests.length >= MAX_RECORDED_REQUESTS) requests.shift();
    requests.push({
      method: request.method ?? "GET",
      path: `${path}${url.search}`,
      headers: recordHeaders(request),
      body,
      ...credentialOf(request, url),
    });
    const options = current;
    const failHeader = headerValue(request, MOCK_FAIL_HEADER);
    const failure = takeFailure(failHeader);
    let reply: MockReply;
    if (failHeader !== undefined && failure === undefined) {
      reply = api.errorReply(
        400,
        `${MOCK_FAIL_HEADER}: unknown failure "${failHeader}" (mock provider); use one of ${MOCK_FAILURE_KINDS.join(", ")}`,
        requestId,
      );
    } else if (typeof failure === "number") {
      reply = api.errorReply(failure, undefined, requestId);
    } else {
      reply = route(
        api,
        request.method ?? "GET",
        path,
        url.searchParams,
        body,
        options,
        nextId,
        requestId,
      );
      // A stream error on a request that is not streamed: the provider's plain 500.
      if (failure === "stream-error" && reply.kind === "json" && reply.status < 400) {
        reply = api.errorReply(500, undefined, requestId);
      }
    }
    try {
      // No timer at all for 0: Node rounds a 0 ms timeout up to 1 ms.
      if (options.latencyMs > 0) await options.wait(options.latencyMs, abort.signal);
      if (reply.kind === "json") sendJson(response, reply, failure === "broken-stream");
      else await sendStream(response, reply, options, failure, abort.signal);
    } catch (error) {
      // The client went away (aborted request or stream): nothing left to send.
      if (!abort.signal.aborted) throw error;
    }
  };

  const server = createServer({ noDelay: true, keepAliveTimeout: 5_000 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(
          JSON.stringify({ error: { message: `mock provider failure: ${String(error)}` } }),
        );
      } else {
        response.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `Mock provider could not listen on ${current.host}:${current.port}: ${error.code ?? error.message}. ` +
            "Pick another port, or 0 for any free port.",
          { cause: error },
        ),
      );
    };
    server.once("error", onError);
    server.listen(current.port, current.host, () => {
      server.off("error", onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    geminiBaseUrl: url,
    requests,
    setOptions(changes) {
      const { port: _port, host: _host, ...rest } = changes;
      current = resolveMockProviderOptions(current, rest);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function route(
  api: MockProviderApi,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
  options: ResolvedMockProviderOptions,
  nextId: (prefix: string) => string,
  requestId: string,
): MockReply {
  for (const candidate of api.routes) {
    const params = candidate.match(path);
    if (params === undefined) continue;
    if (candidate.method !== method) {
      return api.errorReply(
        405,
        `Method ${method} not allowed for ${path} (mock provider)`,
        requestId,
      );
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return api.errorReply(
        400,
        "The request body must be a JSON object (mock provider).",
        requestId,
      );
    }
    try {
      return candidate.handle({
        body: body as Record<string, unknown>,
        params,
        query,
        options,
        nextId,
      });
    } catch (error) {
      if (error instanceof MockRequestError)
        return api.errorReply(error.status, error.message, requestId);
      throw error;
    }
  }
  return api.errorReply(
    404,
    `Invalid URL (${method} ${path}): not served by the mock provider`,
    requestId,
  );
}

function sendJson(response: ServerResponse, reply: JsonReply, broken: boolean): void {
  const text = JSON.stringify(reply.body);
  const length = Buffer.byteLength(text);
  response.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(length),
    ...reply.headers,
  });
  if (!broken) {
    response.end(text);
    return;
  }
  // Half a body, then the connection drops: the client sees a truncated response.
  response.write(text.slice(0, Math.floor(text.length / 2)));
  destroyAfterFlush(response);
}

async function sendStream(
  response: ServerResponse,
  reply: SseReply,
  options: ResolvedMockProviderOptions,
  failure: MockFailureKind | undefined,
  signal: AbortSignal,
): Promise<void> {
  const cut = failure === "broken-stream" || failure === "stream-error";
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    ...reply.headers,
  });
  response.write(encodeSseEvents(reply.opening, reply.delimiter));
  let eventsSent = reply.opening.length;
  // A failing stream delivers about half of its content chunks (at least one) before it fails.
  const sendCount = cut ? Math.max(1, Math.ceil(reply.chunks.length / 2)) : reply.chunks.length;
  for (let index = 0; index < sendCount; index++) {
    const delay = index === 0 ? options.timeToFirstTokenMs : options.chunkDelayMs;
    if (delay > 0) await options.wait(delay, signal);
    const group = reply.chunks[index] as SseReply["chunks"][number];
    response.write(encodeSseEvents(group, reply.delimiter));
    eventsSent += group.length;
  }
  if (failure === "broken-stream") {
    destroyAfterFlush(response);
    return;
  }
  if (failure === "stream-error") {
    response.end(encodeSseEvents(reply.streamError(eventsSent), reply.delimiter));
    return;
  }
  response.end(encodeSseEvents(reply.closing, reply.delimiter));
}

/** Destroys the socket once what was written has left, so the client gets the partial data. */
function destroyAfterFlush(response: ServerResponse): void {
  response.write("", () => response.socket?.destroy());
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    request.on("data", (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      parts.push(part);
    });
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    // A client that gives up mid-upload: settle, so the handler sees the abort and stops.
    request.on("close", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function credentialOf(
  request: IncomingMessage,
  url: URL,
): { credential?: { via: string; sha256: string } } {
  const fingerprint = (via: string, key: string) => ({
    credential: { via, sha256: createHash("sha256").update(key).digest("hex") },
  });
  for (const via of ["authorization", "x-api-key", "x-goog-api-key", "api-key"]) {
    const value = headerValue(request, via);
    if (value === undefined || value === "") continue;
    return fingerprint(via, via === "authorization" ? value.replace(/^Bearer\s+/i, "") : value);
  }
  const key = url.searchParams.get("key");
  return key === null || key === "" ? {} : fingerprint("key", key);
}

function recordHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = REDACTED_HEADERS.has(name)
      ? "[redacted]"
      : Array.isArray(value)
        ? value.join(", ")
        : value;
  }
  return headers;
}
