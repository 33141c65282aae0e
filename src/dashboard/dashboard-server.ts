import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildUsageReport } from "../cli/build-usage-report.ts";
import { getDefaultPriceBook, type PriceBook } from "../pricing/price-book.ts";
import { localTimeZone } from "../stats/time-buckets.ts";
import { GROUP_BY_VALUES, type GroupBy } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import {
  hostHeaderIsLocal,
  isLoopbackHost,
  presentedToken,
  TOKEN_COOKIE,
  tokensEqual,
} from "./access-token.ts";
import { type BudgetsSource, loadBudgetsPanel } from "./budgets-panel.ts";
import { buildDashboardData } from "./build-dashboard-data.ts";
import type { StackBy } from "./build-timeline.ts";
import { DashboardRequestError, resolveDashboardQuery } from "./dashboard-query.ts";
import { createPageTemplate, type InitialPageData } from "./render-page.ts";
import { loadStaticAssets, pickContentEncoding, type StaticAsset } from "./static-assets.ts";

/** Options of `startDashboardServer`. */
export interface DashboardServerOptions {
  /** The ledger to read. The server never writes to it and does not close it. */
  store: UsageStore;
  /** Default 127.0.0.1. Any non-loopback host requires `token`. */
  host?: string;
  /** Default 4380; 0 picks a free port. */
  port?: number;
  /** Access token: sent as `Authorization: Bearer <token>`, or `?token=` once (then a cookie). */
  token?: string;
  /** IANA zone for hour, day and month buckets, unless a request says `tz`. Default: the machine's. */
  timeZone?: string;
  /** How often the page refreshes, in ms. Default 5000. */
  refreshIntervalMs?: number;
  /** Lists budgets with their state for the budgets panel; without it the panel is empty. */
  budgets?: BudgetsSource;
  /**
   * The prices the ledger's unpriced models are checked against (a model it prices needs
   * `llmeter reprice`, one it does not needs a price file). Default: the bundled catalog; `llmeter
   * serve` passes the one with the user's price file.
   */
  priceBook?: Pick<PriceBook, "findEntry">;
  /** The clock (tests). Default `Date.now`. */
  now?: () => number;
  /**
   * Other handlers by exact path, served before the dashboard on the same port (`llmeter serve`
   * mounts the OTLP receiver at `/v1/traces`). Only `startDashboardServer` reads it.
   */
  routes?: Readonly<Record<string, (request: IncomingMessage, response: ServerResponse) => void>>;
}

/** A running dashboard. */
export interface DashboardServer {
  /** `http://127.0.0.1:4380/`, the address to open. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_DASHBOARD_PORT = 4380;

/** The period the page opens on when its URL names none; app.js's DEFAULT_PERIOD must match. */
const DEFAULT_PAGE_PERIOD = "7d";

/** A year: asset URLs carry their content's hash, so a cached copy is never stale. */
const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

/** Same-origin only: no inline script, nothing from another host, no framing. */
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
} as const;

/**
 * Starts the local dashboard over `store`: the page at `/`, its JSON API under `/api/`.
 *
 * @example
 * const server = await startDashboardServer({ store: await openStore(".llmeter/usage.db") });
 * console.log(`Dashboard: ${server.url}`);
 */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  const host = options.host ?? "127.0.0.1";
  const dashboard = createDashboardHandler(options);
  const routes = options.routes;
  const server = createServer(
    routes === undefined
      ? dashboard
      : (request, response) => {
          const path = (request.url ?? "/").split("?", 1)[0]!;
          const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
          (route ?? dashboard)(request, response);
        },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_DASHBOARD_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The dashboard as a `node:http` request handler, for a server that serves other paths too (the
 * gateway mounts it at `/`). `options.host` is the address the server is bound to: beyond
 * loopback the access token is required; on loopback, requests naming another host are refused.
 */
export function createDashboardHandler(
  options: Omit<DashboardServerOptions, "port">,
): (request: IncomingMessage, response: ServerResponse) => void {
  const host = options.host ?? "127.0.0.1";
  const token = options.token === "" ? undefined : options.token;
  // Built on the first page that has unpriced calls to check, not at start.
  const priceBook: Pick<PriceBook, "findEntry"> = {
    findEntry: (model, provider) =>
      (options.priceBook ?? getDefaultPriceBook()).findEntry(model, provider),
  };
  if (!isLoopbackHost(host) && token === undefined)
    throw new Error(
      `The dashboard would be reachable from other machines on host "${host}" without an access token. Pass --token <secret> (or set LLMETER_DASHBOARD_TOKEN), or bind to 127.0.0.1.`,
    );
  const timeZone = options.timeZone ?? localTimeZone();
  const now = options.now ?? Date.now;
  const assets = loadStaticAssets();
  const pageConfig = { refreshIntervalMs: options.refreshIntervalMs ?? 5000, timeZone };
  const config = Buffer.from(JSON.stringify(pageConfig));
  const page = createPageTemplate(assets.get("/")!.body.toString("utf8"), assets);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://dashboard.invalid");
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendJson(
        response,
        405,
        { error: `${request.method} is not allowed: the dashboard is read-only.` },
        { Allow: "GET, HEAD" },
      );
      return;
    }
    if (isLoopbackHost(host) && !hostHeaderIsLocal(request.headers.host)) {
      // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
      sendJson(response, 421, { error: `Host "${request.headers.host}" is not this dashboard.` });
      return;
    }
    if (token !== undefined) {
      const given = presentedToken(request, url);
      if (given === undefined || !tokensEqual(given, token)) {
        sendJson(
          response,
          401,
          {
            error:
              "This dashboard needs its access token: open it with ?token=<token> once, or send Authorization: Bearer <token>.",
          },
          { "WWW-Authenticate": 'Bearer realm="llmeter"' },
        );
        return;
      }
      if (url.searchParams.has("token") && !url.pathname.startsWith("/api/")) {
        // Trade the token in the URL for a cookie, so it leaves the address bar and history.
        url.searchParams.delete("token");
        response.writeHead(303, {
          ...SECURITY_HEADERS,
          Location: `${url.pathname}${url.search}`,
          "Set-Cookie": `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          "Cache-Control": "no-store",
        });
        response.end();
        return;
      }
    }

    if (url.pathname === "/api/config") {
      send(response, 200, config, "application/json; charset=utf-8");
      return;
    }
    if (url.pathname.startsWith("/api/")) {
      await handleApi(url, response);
      return;
    }
    if (url.pathname === "/favicon.ico") {
      response.writeHead(204, SECURITY_HEADERS);
      response.end();
      return;
    }
    if (url.pathname === "/") {
      await sendPage(request, url, response);
      return;
    }
    const asset = assets.get(url.pathname);
    if (asset === undefined) {
      sendJson(response, 404, { error: `Nothing at ${url.pathname}.` });
      return;
    }
    sendAsset(request, url, response, asset);
  };

  /**
   * The page, with the data of its first view inlined (no request before the first paint). The
   * head goes out before the ledger is read, so the browser fetches the script and styles while
   * the server builds the data.
   */
  const sendPage = async (request: IncomingMessage, url: URL, response: ServerResponse) => {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    response.write(page.head);
    // Node sends a response's first bytes on the next tick; the ledger's reads are synchronous,
    // so yield once to let the head leave before they start.
    await new Promise((resolve) => setImmediate(resolve));
    const initial: InitialPageData = { config: pageConfig, search: url.search };
    try {
      const parameters = new URLSearchParams(url.searchParams);
      if (!parameters.has("period") && !parameters.has("since") && !parameters.has("until"))
        parameters.set("period", DEFAULT_PAGE_PERIOD);
      const stackBy = parseStackBy(parameters.get("stackBy"));
      const query = await resolveDashboardQuery(parameters, options.store, { timeZone, now });
      initial.data = await buildDashboardData(options.store, query, {
        now: now(),
        stackBy,
        budgets: () => loadBudgetsPanel(options.budgets),
        priceBook,
      });
    } catch (error) {
      // Without inlined data the page asks /api/dashboard itself, which shows what is wrong.
      if (!(error instanceof DashboardRequestError))
        process.stderr.write(`llmeter dashboard: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    response.end(page.tail(initial));
  };

  const handleApi = async (url: URL, response: ServerResponse) => {
    const parameters = url.searchParams;
    try {
      if (url.pathname === "/api/report") {
        const groupBy = parseGroupBy(parameters.get("groupBy"));
        const query = await resolveDashboardQuery(parameters, options.store, { timeZone, now });
        sendJson(response, 200, await buildUsageReport(options.store, query, groupBy));
        return;
      }
      if (url.pathname === "/api/dashboard") {
        const stackBy = parseStackBy(parameters.get("stackBy"));
        const query = await resolveDashboardQuery(parameters, options.store, { timeZone, now });
        const data = await buildDashboardData(options.store, query, {
          now: now(),
          stackBy,
          budgets: () => loadBudgetsPanel(options.budgets),
          priceBook,
        });
        sendJson(response, 200, data);
        return;
      }
      if (url.pathname === "/api/sessions") {
        const limit = parseLimit(parameters.get("limit"));
        const query = await resolveDashboardQuery(parameters, options.store, { timeZone, now });
        sendJson(response, 200, {
          schemaVersion: 1,
          sessions: await options.store.listSessions({ limit, filter: query.filter }),
        });
        return;
      }
      sendJson(response, 404, { error: `No API at ${url.pathname}. See docs/dashboard.md.` });
    } catch (error) {
      if (error instanceof DashboardRequestError) {
        sendJson(response, 400, { error: error.message });
        return;
      }
      throw error;
    }
  };

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // The message only: stack traces and store details stay in the server's log.
      process.stderr.write(`llmeter dashboard: ${(error as Error)?.stack ?? String(error)}\n`);
      if (!response.headersSent)
        sendJson(response, 500, {
          error: "The dashboard could not read the ledger; see the server's log.",
        });
      else response.destroy();
    });
  };
}

function parseGroupBy(value: string | null): GroupBy | null {
  if (value === null || value === "" || value === "none") return null;
  if (!(GROUP_BY_VALUES as readonly string[]).includes(value))
    throw new DashboardRequestError(
      `groupBy "${value}" is unknown. Use one of ${GROUP_BY_VALUES.join(", ")}, or leave it out.`,
    );
  return value as GroupBy;
}

function parseStackBy(value: string | null): StackBy {
  if (value === null || value === "" || value === "provider") return "provider";
  if (value === "model") return "model";
  throw new DashboardRequestError(`stackBy "${value}" is unknown. Use provider or model.`);
}

function parseLimit(value: string | null): number {
  if (value === null || value === "") return 50;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new DashboardRequestError(`limit "${value}" must be a whole number from 1 to 1000.`);
  return limit;
}

/** A static file: cached for good when asked by its hashed URL, compressed when the client can. */
function sendAsset(
  request: IncomingMessage,
  url: URL,
  response: ServerResponse,
  asset: StaticAsset,
): void {
  const encoding = pickContentEncoding(request.headers["accept-encoding"]);
  const body = encoding === undefined ? asset.body : asset.compressed(encoding);
  const headers: Record<string, string> = {
    Vary: "Accept-Encoding",
    ETag: `"${asset.hash}${encoding === undefined ? "" : `-${encoding}`}"`,
  };
  if (encoding !== undefined) headers["Content-Encoding"] = encoding;
  // Unversioned URLs are checked each time (ETag), versioned ones never need to be.
  headers["Cache-Control"] =
    url.searchParams.get("v") === asset.hash ? IMMUTABLE_CACHE : "no-cache";
  if (request.headers["if-none-match"] === headers.ETag) {
    response.writeHead(304, { ...SECURITY_HEADERS, ...headers });
    response.end();
    return;
  }
  send(response, 200, body, asset.contentType, request.method === "HEAD", headers);
}

function send(
  response: ServerResponse,
  status: number,
  body: Buffer,
  contentType: string,
  headOnly = false,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": contentType,
    "Content-Length": body.length,
    "Cache-Control": "no-store",
    ...extra,
  });
  response.end(headOnly ? undefined : body);
}

function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  extra: Record<string, string> = {},
): void {
  send(
    response,
    status,
    Buffer.from(JSON.stringify(value)),
    "application/json; charset=utf-8",
    false,
    extra,
  );
}
