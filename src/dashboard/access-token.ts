import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The cookie that carries the token after a `?token=` visit. */
export const TOKEN_COOKIE = "llmeter_dashboard_token";

/** Hosts that only this machine can reach: the dashboard needs no token on them. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

/** Whether binding to `host` keeps the dashboard on this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether a request's `Host` header names this machine. On loopback, a request naming another
 * host comes from a page whose own name was made to resolve to 127.0.0.1 (DNS rebinding): its
 * requests are same-origin to the browser, so no CORS check stops them.
 */
export function hostHeaderIsLocal(header: string | undefined): boolean {
  if (header === undefined) return false;
  const name = header.startsWith("[")
    ? header.slice(1, header.indexOf("]"))
    : header.split(":")[0]!;
  return isLoopbackHost(name);
}

/**
 * Compares in constant time. Both sides are hashed first so that their lengths are equal and the
 * comparison leaks neither the token nor its length.
 */
export function tokensEqual(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request presents: a bearer header, the cookie, or `?token=`; undefined if none. */
export function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match !== null) return match[1];
  }
  const cookie = readCookie(request.headers.cookie, TOKEN_COOKIE);
  if (cookie !== undefined) return cookie;
  return url.searchParams.get("token") ?? undefined;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
