import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import {
  hostHeaderIsLocal,
  isLoopbackHost,
  presentedToken,
  tokensEqual,
} from "../dashboard/access-token.ts";
import { readBody } from "../gateway/read-body.ts";
import type { Meter, RecordInput } from "../meter/types.ts";
import { decodeOtlpJson } from "./decode-otlp-json.ts";
import { decodeOtlpProtobuf } from "./decode-otlp-protobuf.ts";
import { genAiSpanEvent } from "./genai-span-event.ts";
import {
  CONTENT_TYPES,
  exportResponseBody,
  type OtlpEncoding,
  statusBody,
} from "./otlp-export-response.ts";
import { OtlpDecodeError, type ReceivedResourceSpans } from "./received-spans.ts";

/** The OTLP/HTTP path of traces (https://opentelemetry.io/docs/specs/otlp/#otlphttp-request). */
export const OTLP_TRACES_PATH = "/v1/traces";

/** Default largest body, before and after gzip: 16 MiB. */
export const DEFAULT_MAX_OTLP_BYTES = 16 * 1024 * 1024;

export interface OtlpTracesHandlerOptions {
  /** Where the spans' calls are recorded (`meter.ingest`). */
  meter: Meter;
  /** The address the server is bound to: beyond loopback, `token` is required. */
  host: string;
  /** Access token senders present as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Largest body in bytes, compressed or not. Default 16 MiB. */
  maxBodyBytes?: number;
}

/** What one export did, for tests and logs. */
export interface OtlpExportOutcome {
  status: number;
  accepted: number;
  rejected: number;
  ignored: number;
}

/**
 * The OTLP/HTTP traces receiver as a `node:http` handler: `POST /v1/traces` with an
 * `ExportTraceServiceRequest` in protobuf or JSON (gzip or not). Spans of GenAI model calls
 * become usage events (see `genAiSpanEvent`); other spans are ignored. The whole body is decoded
 * before anything is recorded, so a malformed one (400) or an oversized one (413) changes nothing.
 */
export function createOtlpTracesHandler(
  options: OtlpTracesHandlerOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<OtlpExportOutcome> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_OTLP_BYTES;
  const token = options.token === "" ? undefined : options.token;
  const open = token === undefined && isLoopbackHost(options.host);
  return async (request, response) => {
    const encoding = encodingOf(request.headers["content-type"]);
    // Errors answer in the request's encoding; JSON when it has none of OTLP's.
    const fail = (status: number, code: number, message: string, headers = {}) => {
      const errorEncoding = encoding ?? "json";
      send(response, status, errorEncoding, statusBody(errorEncoding, code, message), headers);
      return { status, accepted: 0, rejected: 0, ignored: 0 };
    };
    if (request.method !== "POST") {
      request.resume();
      return fail(405, 12, `llmeter: ${OTLP_TRACES_PATH} takes POST (OTLP/HTTP export)`, {
        allow: "POST",
      });
    }
    if (open && !hostHeaderIsLocal(request.headers.host)) {
      // Open on loopback means open to this machine's processes, not to a rebound web page.
      request.resume();
      return fail(
        421,
        7,
        `llmeter: Host "${request.headers.host ?? ""}" is not this receiver; send to 127.0.0.1 or localhost`,
      );
    }
    if (!open) {
      const given = presentedToken(request, new URL(request.url ?? "/", "http://otlp.invalid"));
      if (token === undefined || given === undefined || !tokensEqual(given, token)) {
        request.resume();
        return token === undefined
          ? fail(
              403,
              7,
              `llmeter: the OTLP receiver on ${options.host} needs an access token: start with --token (or LLMETER_DASHBOARD_TOKEN) and send it as the header Authorization=Bearer <token> (OTEL_EXPORTER_OTLP_HEADERS).`,
            )
          : fail(
              401,
              16,
              "llmeter: the OTLP receiver needs the access token as the header Authorization: Bearer <token> (OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>).",
              { "www-authenticate": 'Bearer realm="llmeter"' },
            );
      }
    }
    if (encoding === undefined) {
      request.resume();
      return fail(
        415,
        3,
        `llmeter: content-type "${request.headers["content-type"] ?? ""}" is not OTLP/HTTP; send application/x-protobuf or application/json`,
      );
    }
    const contentEncoding = (request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (contentEncoding !== "identity" && contentEncoding !== "gzip") {
      request.resume();
      return fail(
        415,
        3,
        `llmeter: content-encoding "${contentEncoding}" is not supported; send gzip or none`,
      );
    }
    const tooLarge = () =>
      fail(
        413,
        8,
        `llmeter: the export is larger than the receiver's limit of ${maxBodyBytes} bytes; nothing was recorded. Send smaller batches (the SDK's BatchSpanProcessor maxExportBatchSize, the Collector's batch processor send_batch_max_size).`,
        { connection: "close" },
      );
    let body = await readBody(request, maxBodyBytes);
    if (body === undefined) return tooLarge();
    let resourceSpans: ReceivedResourceSpans[];
    try {
      if (contentEncoding === "gzip") body = gunzipSync(body, { maxOutputLength: maxBodyBytes });
      resourceSpans =
        encoding === "protobuf" ? decodeOtlpProtobuf(body) : decodeOtlpJson(body.toString("utf8"));
    } catch (error) {
      if (
        error instanceof RangeError &&
        (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE"
      )
        return tooLarge();
      const reason =
        error instanceof OtlpDecodeError ? error.message : `gzip: ${(error as Error).message}`;
      return fail(
        400,
        3,
        `llmeter: malformed OTLP ${encoding === "protobuf" ? "protobuf" : "JSON"} export, nothing was recorded: ${reason}`,
      );
    }
    const events: RecordInput[] = [];
    const reasons: string[] = [];
    let ignored = 0;
    for (const { resource, spans } of resourceSpans) {
      for (const span of spans) {
        const outcome = genAiSpanEvent(span, resource);
        if (outcome.kind === "event") events.push(outcome.event);
        else if (outcome.kind === "rejected") reasons.push(outcome.reason);
        else ignored += 1;
      }
    }
    options.meter.ingest(events);
    const message =
      reasons.length === 0
        ? ""
        : `llmeter: ${reasons.length} GenAI span(s) not recorded: ${reasons.slice(0, 3).join("; ")}${reasons.length > 3 ? "; ..." : ""}`;
    send(response, 200, encoding, exportResponseBody(encoding, reasons.length, message));
    return { status: 200, accepted: events.length, rejected: reasons.length, ignored };
  };
}

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === CONTENT_TYPES.protobuf) return "protobuf";
  if (type === CONTENT_TYPES.json) return "json";
  return undefined;
}

function send(
  response: ServerResponse,
  status: number,
  encoding: OtlpEncoding,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": CONTENT_TYPES[encoding],
    "cache-control": "no-store",
    ...headers,
  });
  response.end(body);
}
