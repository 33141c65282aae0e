import type { IncomingHttpHeaders } from "node:http";
import type { AttributionInput } from "../meter/attribution.ts";

/** Request headers that attribute a call; removed before the request is forwarded. */
export const ATTRIBUTION_HEADER_PREFIX = "x-llmeter-";
const FIELD_HEADERS = {
  "x-llmeter-tenant": "tenantId",
  "x-llmeter-user": "userId",
  "x-llmeter-session": "sessionId",
} as const;
const ATTRIBUTE_PREFIX = "x-llmeter-attr-";

/**
 * The attribution a request's `x-llmeter-*` headers give: tenant, user, session, and a free
 * attribute per `x-llmeter-attr-<name>` (the name as sent, lower-cased by HTTP). Values are
 * validated with the event like any attribution; an empty header gives nothing.
 */
export function attributionFromHeaders(headers: IncomingHttpHeaders): AttributionInput {
  const attribution: AttributionInput = {};
  let attributes: Record<string, string> | undefined;
  for (const name in headers) {
    if (!name.startsWith(ATTRIBUTION_HEADER_PREFIX)) continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === "") continue;
    const field = FIELD_HEADERS[name as keyof typeof FIELD_HEADERS];
    if (field !== undefined) attribution[field] = value;
    else if (name.startsWith(ATTRIBUTE_PREFIX) && name.length > ATTRIBUTE_PREFIX.length) {
      attributes ??= {};
      attributes[name.slice(ATTRIBUTE_PREFIX.length)] = value;
    }
  }
  if (attributes !== undefined) attribution.attributes = attributes;
  return attribution;
}
