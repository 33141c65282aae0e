import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { AttributionHeaders } from "../config/settings.ts";
import { enterAttribution } from "../meter/attribution.ts";
import type { Attribution } from "../usage/usage-event.ts";
import { baggageEntries } from "./baggage-header.ts";

/**
 * Attributes every call made while serving an HTTP request to the tenant, user and session its
 * headers name, for any `node:http` server (Express, Fastify, Hono's Node adapter, Next.js custom
 * servers): Node publishes `http.server.request.start` synchronously just before it emits
 * `request`, so the attribution entered here is the one the handler and everything it awaits see.
 * OpenTelemetry baggage entries (the W3C `baggage` header) with the same names count too, so a
 * tenant set upstream and propagated as baggage reaches this service's calls; a header wins.
 */
export function attributeRequestsFromHeaders(headers: AttributionHeaders): void {
  const fields = Object.entries(headers) as Array<[keyof Attribution, string]>;
  if (fields.length === 0) return;
  subscribe("http.server.request.start", (message) => {
    const request = (message as { request?: IncomingMessage }).request;
    if (request === undefined) return;
    let attribution: Attribution | undefined;
    let baggage: Map<string, string> | undefined;
    for (const [field, header] of fields) {
      const value = request.headers[header];
      let text = Array.isArray(value) ? value[0] : value;
      if (text === undefined || text === "") {
        baggage ??= baggageEntries(request.headers.baggage);
        text = baggage.get(header);
      }
      if (text === undefined || text === "") continue;
      attribution ??= {};
      (attribution as Record<string, string>)[field] = text;
    }
    // Always entered, even when empty: the previous request's attribution must not leak into this one.
    enterAttribution(attribution);
  });
}
