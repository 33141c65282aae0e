import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { ATTRIBUTION_HEADER_PREFIX } from "./attribution-headers.ts";

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, never the message. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers that carry a provider credential, in any of the supported APIs. */
export const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "api-key", "x-goog-api-key"];

/** The headers named by `Connection` are hop-by-hop too. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> | undefined {
  const value = headers.connection;
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  return new Set(text.split(",").map((token) => token.trim().toLowerCase()));
}

/**
 * The client's headers as they go to the provider: without hop-by-hop headers, `host` (the
 * upstream's own is used), `content-length` (recomputed for the body sent) and llmeter's
 * attribution headers. A metered call asks for an uncompressed answer, which the gateway must read.
 */
export function requestHeadersToForward(
  headers: IncomingHttpHeaders,
  metered: boolean,
): Record<string, string | string[]> {
  const tokens = connectionTokens(headers);
  const forwarded: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || tokens?.has(name)) continue;
    if (name === "host" || name === "content-length") continue;
    if (name.startsWith(ATTRIBUTION_HEADER_PREFIX)) continue;
    forwarded[name] = value;
  }
  if (metered) forwarded["accept-encoding"] = "identity";
  return forwarded;
}

/** The provider's response headers as they go to the client: without hop-by-hop headers. */
export function responseHeadersToForward(
  headers: IncomingHttpHeaders,
  bodyRewritten: boolean,
): OutgoingHttpHeaders {
  const tokens = connectionTokens(headers);
  const forwarded: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || tokens?.has(name)) continue;
    if (bodyRewritten && name === "content-length") continue;
    forwarded[name] = value;
  }
  return forwarded;
}

/**
 * The credentials a request carries (bearer tokens, API-key headers, Gemini's `?key=`), so the
 * meter removes them from anything it records, whatever their shape.
 */
export function requestSecrets(headers: IncomingHttpHeaders, query: URLSearchParams): string[] {
  const secrets: string[] = [];
  for (const name of CREDENTIAL_HEADERS) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === "") continue;
    secrets.push(value);
    const bearer = /^Bearer\s+(.+)$/i.exec(value);
    if (bearer?.[1] !== undefined) secrets.push(bearer[1]);
  }
  const key = query.get("key");
  if (key !== null && key !== "") secrets.push(key);
  return secrets;
}
