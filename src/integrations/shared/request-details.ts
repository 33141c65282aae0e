import type { RequestDetails } from "../../meter/types.ts";

/** The endpoint part of `RequestDetails`. */
export type ServerEndpoint = Pick<RequestDetails, "serverAddress" | "serverPort">;

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "https:": 443, "http:": 80 };

/**
 * `server.address` and `server.port` of a client's base URL: the host name (no brackets around an
 * IPv6 address) and the explicit port, else the scheme's default. Only the host and port are kept:
 * a path, query or user-info part can hold a key or a deployment secret. Empty for no URL or one
 * that does not parse.
 *
 * @example serverFromBaseUrl("https://api.openai.com/v1") // { serverAddress: "api.openai.com", serverPort: 443 }
 */
export function serverFromBaseUrl(baseUrl: string | undefined): ServerEndpoint {
  if (typeof baseUrl !== "string" || baseUrl === "") return {};
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return {};
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") return {};
  const port = url.port === "" ? DEFAULT_PORTS[url.protocol] : Number(url.port);
  return port === undefined ? { serverAddress: host } : { serverAddress: host, serverPort: port };
}

/** `value` when it is a finite number, else `undefined` (request bodies are the caller's, unchecked). */
export function finiteNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Copies the defined values of `details` onto `target`: the track info stays free of `undefined`
 * keys, which keeps events small and their JSON stable.
 */
export function assignDefined<T extends object>(target: T, details: Partial<T>): T {
  for (const key of Object.keys(details) as (keyof T)[]) {
    const value = details[key];
    if (value !== undefined) target[key] = value as T[keyof T];
  }
  return target;
}

/**
 * Finish reasons from a list of choices or candidates: the string `key` of each, in order,
 * `undefined` when none has one.
 */
export function finishReasonsOf(items: unknown, key: string): string[] | undefined {
  if (!Array.isArray(items)) return undefined;
  let reasons: string[] | undefined;
  for (const item of items) {
    const reason = (item as Record<string, unknown> | null)?.[key];
    if (typeof reason !== "string" || reason === "") continue;
    reasons ??= [];
    reasons.push(reason);
  }
  return reasons;
}
