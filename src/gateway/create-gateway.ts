import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import type { MeterBudgets } from "../budgets/create-budget-manager.ts";
import type { GatewaySetting } from "../config/gateway-setting.ts";
import { resolveConfig } from "../config/resolve-config.ts";
import { isLoopbackHost, presentedToken, tokensEqual } from "../dashboard/access-token.ts";
import { createMeter } from "../meter/create-meter.ts";
import { consoleDiagnostics, type DiagnosticsLogger } from "../meter/diagnostics.ts";
import type { Meter, UsageSink } from "../meter/types.ts";
import { createOtlpTracesHandler, OTLP_TRACES_PATH } from "../otlp-in/otlp-traces-handler.ts";
import { bundledLayers } from "../pricing/catalog-index.ts";
import type { PrometheusExporter } from "../prometheus/prometheus-exporter.ts";
import type { UsageStore } from "../store/usage-store.ts";
import type { GatewayAccessLogEntry } from "./access-log.ts";
import { readAnthropicCall } from "./anthropic-wire-call.ts";
import { type GatewayAccess, passThroughAccess } from "./gateway-access.ts";
import {
  GATEWAY_PROVIDER_NAMES,
  GATEWAY_PROVIDERS,
  type GatewayRoute,
  matchRoute,
} from "./gateway-providers.ts";
import { readGeminiCall } from "./gemini-wire-call.ts";
import { readOpenAICall } from "./openai-wire-call.ts";
import { type ProxyContext, proxyRequest } from "./proxy-request.ts";
import { loadTraceContinuation } from "./trace-context.ts";
import { openVirtualKeyStore } from "./virtual-keys/open-virtual-key-store.ts";
import { resolveProviderKeys } from "./virtual-keys/provider-keys.ts";
import { createVirtualKeyAccess } from "./virtual-keys/virtual-key-access.ts";

/** Options of `createGateway`. They win over the `gateway` setting of `.llmeter/config.json`. */
export interface GatewayOptions {
  /** Default 4390; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Beyond loopback, the dashboard and `/metrics` need `token`. */
  host?: string;
  /**
   * Where calls are recorded. Default: a meter the gateway makes (and shuts down on `close()`)
   * with the ledger at `ledger`, the `budgets`, and a Prometheus sink for `/metrics`.
   */
  meter?: Meter;
  /** The ledger location of the gateway's own meter (a SQLite path or a postgres:// URL); `false` for none. Default: the `db` setting. */
  ledger?: string | false;
  /** Budget rules of the gateway's own meter (on top of the `budgets` setting and the ledger's). */
  budgets?: MeterBudgets;
  /** Base URL and `include_usage` injection per provider route (`openai`, `groq`, `azure`, ...). */
  providers?: GatewaySetting["providers"];
  /**
   * Who may call and with which provider key. Default: the virtual keys of the ledger
   * (`llmeter keys create`), and pass-through (the client's own key) while it has none.
   */
  access?: GatewayAccess;
  /**
   * Once the ledger has virtual keys, still let requests without one through with the client's
   * own provider key. Default false (they get a 401).
   */
  allowPassThrough?: boolean;
  /** Largest request body, in bytes. Default 32 MiB. */
  maxRequestBytes?: number;
  /** How long the provider may take to send its headers, and between two pieces of its body. Default 10 minutes. */
  requestTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests and streams. Default 30 s. */
  drainTimeoutMs?: number;
  /**
   * Serve the dashboard at `/` over the ledger. Default true when the gateway knows its ledger
   * (its own meter's, or `dashboardStore`).
   */
  dashboard?: boolean;
  /** The ledger the dashboard reads, when the meter is your own. */
  dashboardStore?: UsageStore;
  /** Access token of the dashboard and `/metrics` (`Authorization: Bearer`, or `?token=` once). */
  token?: string;
  /** Serves `/metrics` from this exporter (feed it from your meter). Default: the gateway's own. */
  prometheus?: PrometheusExporter;
  /** One entry per request, without bodies, keys or query strings. Default: none. */
  accessLog?: ((entry: GatewayAccessLogEntry) => void) | false;
  /** Where problems are reported. Default: stderr, once per problem. */
  diagnostics?: DiagnosticsLogger;
  /** Where to read `LLMETER_*` variables and `.llmeter/config.json` from. */
  configContext?: { env?: Record<string, string | undefined>; cwd?: string };
}

/** A running gateway. */
export interface Gateway {
  /** `http://127.0.0.1:4390`, without a trailing slash: clients use `${url}/openai/v1` and so on. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly meter: Meter;
  /**
   * Unrevoked virtual keys in the ledger when the gateway started: 0 means clients' own provider
   * keys pass through; undefined when the keys could not be read then (they are checked again on
   * each request).
   */
  readonly virtualKeysAtStart: number | undefined;
  /** Requests being proxied right now (streams included). */
  inFlight(): number;
  /**
   * Stops accepting requests, waits for in-flight ones (up to `drainTimeoutMs`), then closes the
   * connections, the upstream pool and, when it is the gateway's own, the meter (flushing it).
   */
  close(): Promise<void>;
}

export const DEFAULT_GATEWAY_PORT = 4390;
const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * Starts the llmeter gateway: one HTTP server that forwards `/openai/v1/...`,
 * `/anthropic/v1/messages`, `/gemini/v1beta/models/...`, `/azure/...` and the OpenAI-compatible
 * providers (`/groq/v1`, `/deepseek/v1`, ...) to the provider, streams answers back as they
 * arrive, and records every call on a meter (budgets, ledger, OpenTelemetry, Prometheus).
 *
 * @example
 * const gateway = await createGateway({ port: 4390 });
 * // OPENAI_BASE_URL=http://127.0.0.1:4390/openai/v1 python app.py
 */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const diagnostics = options.diagnostics ?? consoleDiagnostics;
  const { values } = resolveConfig({}, options.configContext);
  const setting: GatewaySetting = values.gateway ?? {};
  const host = options.host ?? setting.host ?? "127.0.0.1";
  const token = options.token === "" ? undefined : options.token;
  const providers = providerSettings(setting.providers ?? {}, options.providers ?? {});
  const routes = resolveRoutes(providers);
  const ledger = options.ledger ?? values.db;
  const dashboardWanted =
    options.dashboard ??
    setting.dashboard ??
    (options.dashboardStore !== undefined || (options.meter === undefined && ledger !== false));
  if (dashboardWanted && !isLoopbackHost(host) && token === undefined)
    throw new Error(
      `The gateway's dashboard would be reachable from other machines on host "${host}" without an access token. Pass a token (--token or LLMETER_DASHBOARD_TOKEN), turn the dashboard off (--no-dashboard), or bind to 127.0.0.1.`,
    );

  // The gauges read the meter's budgets and health alerts at each scrape; the meter is made below.
  let gaugeMeter: Meter | undefined;
  const prometheus =
    options.prometheus ??
    (options.meter === undefined ? await loadPrometheus(() => gaugeMeter) : undefined);
  const ownMeter = options.meter === undefined;
  const keyStore =
    options.access === undefined && ledger !== false
      ? await openVirtualKeyStore(ledger, { create: false })
      : undefined;
  // Read once at start: for the budgets below and for what `llmeter gateway` says at start.
  let virtualKeysAtStart: number | undefined = 0;
  try {
    if (keyStore !== undefined) virtualKeysAtStart = await keyStore.activeCount();
  } catch (error) {
    virtualKeysAtStart = undefined;
    if (options.budgets === undefined)
      diagnostics(
        "warn",
        "gateway: the virtual keys could not be read at start; keys with a USD limit are refused until the gateway restarts with its ledger reachable",
        error,
      );
  }
  // A ledger with virtual keys needs budgets even when none are configured (on PostgreSQL a meter
  // given no budgets does not look for saved rules): each key's USD limit is a saved rule.
  const budgets = options.budgets ?? ((virtualKeysAtStart ?? 0) > 0 ? [] : undefined);
  const sinks: UsageSink[] = prometheus === undefined ? [] : [prometheus.sink];
  const meter =
    options.meter ??
    createMeter({
      ledger: ledger === false ? false : ledger,
      sinks,
      ...(budgets === undefined ? {} : { budgets }),
      diagnostics,
      ...(options.configContext === undefined ? {} : { configContext: options.configContext }),
    });
  gaugeMeter = meter;
  const dashboard = dashboardWanted
    ? await loadDashboard(options, ledger, host, token, values.timeZone, diagnostics)
    : undefined;

  const requestTimeoutMs =
    options.requestTimeoutMs ?? setting.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // One pool of upstream connections for every route, kept alive between calls.
  const agent = new Agent({
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    connections: 256,
  });
  const warned = new Set<string>();
  const warn = (message: string, error?: unknown) => {
    if (warned.has(message)) return;
    warned.add(message);
    diagnostics("warn", `gateway: ${message}`, error);
  };
  const context: ProxyContext = {
    meter,
    dispatcher: agent,
    access:
      options.access ??
      (keyStore === undefined
        ? passThroughAccess
        : createVirtualKeyAccess({
            store: keyStore,
            providerKeys: resolveProviderKeys(
              providers,
              options.configContext?.env ?? process.env,
              GATEWAY_PROVIDER_NAMES,
            ),
            allowPassThrough: options.allowPassThrough ?? false,
            budgetsEnforced: () => meter.budgets !== undefined,
            warn,
          })),
    trace: await loadTraceContinuation(),
    readers: { openai: readOpenAICall, anthropic: readAnthropicCall, gemini: readGeminiCall },
    maxRequestBytes:
      options.maxRequestBytes ?? setting.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    warn,
  };
  const accessLog =
    options.accessLog === false
      ? undefined
      : (options.accessLog ?? (setting.accessLog === true ? printAccessLog : undefined));
  const inFlight = new Set<Promise<unknown>>();
  // A request counts as in flight until its work settles: shutdown drains them.
  const trackInFlight = (work: Promise<unknown>) => {
    inFlight.add(work);
    work.finally(() => inFlight.delete(work));
  };
  let draining = false;
  // OTLP/HTTP traces of apps instrumented with OpenTelemetry, recorded on the same meter.
  const receiveTraces = createOtlpTracesHandler({
    meter,
    host,
    token,
    maxBodyBytes: context.maxRequestBytes,
  });

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const startedAt = performance.now();
    const url = request.url ?? "/";
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const search = queryStart === -1 ? "" : url.slice(queryStart);
    const matched = matchRoute(routes, path);
    if (matched === undefined) {
      handleOwnPath(request, response, path, url);
      return;
    }
    if (draining) {
      response.writeHead(503, { "content-type": "application/json", connection: "close" });
      response.end(JSON.stringify({ error: { message: "llmeter gateway: shutting down" } }));
      return;
    }
    const { route, rest } = matched;
    const work = proxyRequest(
      context,
      request,
      response,
      route,
      rest,
      new URLSearchParams(search),
      search,
    ).then(
      (outcome) => {
        accessLog?.({
          time: new Date().toISOString(),
          method: request.method ?? "GET",
          path,
          provider: route.name,
          ...outcome,
          durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
        });
      },
      (error: unknown) => {
        context.warn("a request failed inside the gateway", error);
        if (!response.headersSent) {
          response.writeHead(500, { "content-type": "application/json" });
          response.end(JSON.stringify({ error: { message: "llmeter gateway: internal error" } }));
        } else response.destroy();
      },
    );
    trackInFlight(work);
  };

  const handleOwnPath = (
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    url: string,
  ) => {
    if (path === "/healthz") {
      const health = meter.getHealth();
      const body = JSON.stringify({
        status: draining ? "draining" : "ok",
        inFlight: inFlight.size,
        recorded: health.recorded,
        lostByLedger: health.droppedBySink.ledger ?? 0,
      });
      response.writeHead(draining ? 503 : 200, {
        "content-type": "application/json",
        "cache-control": "no-store",
      });
      response.end(body);
      return;
    }
    if (path === OTLP_TRACES_PATH) {
      const work = receiveTraces(request, response).catch((error: unknown) => {
        context.warn("an OTLP export failed inside the gateway", error);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
      trackInFlight(work);
      return;
    }
    if (path === "/metrics") {
      if (token !== undefined) {
        const given = presentedToken(request, new URL(url, "http://gateway.invalid"));
        if (given === undefined || !tokensEqual(given, token)) {
          response.writeHead(401, { "www-authenticate": 'Bearer realm="llmeter"' });
          response.end("the metrics need the gateway's access token (Authorization: Bearer)\n");
          return;
        }
      }
      if (prometheus === undefined) {
        response.writeHead(404, { "content-type": "text/plain" });
        response.end(
          "no Prometheus metrics: install prom-client, or pass createGateway({ prometheus })\n",
        );
        return;
      }
      prometheus.handler(request, response);
      return;
    }
    if (dashboard !== undefined) {
      dashboard.handler(request, response);
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        error: {
          message: `llmeter gateway: nothing at ${path}. Provider routes: ${GATEWAY_PROVIDERS.map((provider) => provider.prefix).join(", ")}; also /healthz, /metrics and ${OTLP_TRACES_PATH} (OTLP/HTTP).`,
        },
      }),
    );
  };

  // The bundled catalog is indexed on first use (~50 ms): done before the port opens, so the first
  // client's call does not wait for it.
  bundledLayers();
  const server = createServer(
    { requestTimeout: Math.min(requestTimeoutMs, 300_000), keepAliveTimeout: 65_000 },
    handle,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? setting.port ?? DEFAULT_GATEWAY_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const drainTimeoutMs =
    options.drainTimeoutMs ?? setting.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    meter,
    virtualKeysAtStart,
    inFlight: () => inFlight.size,
    close() {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await waitFor([...inFlight], drainTimeoutMs);
        server.closeAllConnections();
        await closed;
        await agent.close().catch(() => agent.destroy());
        await dashboard?.close().catch(() => {});
        await keyStore?.close().catch(() => {});
        if (ownMeter) await meter.shutdown();
      })();
      return closing;
    },
  };
}

/**
 * Each route's provider setting, the options' fields over the setting's. An unknown route name
 * in either is an error.
 */
function providerSettings(
  setting: NonNullable<GatewaySetting["providers"]>,
  options: NonNullable<GatewaySetting["providers"]>,
): NonNullable<GatewaySetting["providers"]> {
  for (const name of [...Object.keys(setting), ...Object.keys(options)]) {
    if (!GATEWAY_PROVIDER_NAMES.includes(name))
      throw new Error(
        `Unknown gateway provider "${name}". Use one of ${GATEWAY_PROVIDER_NAMES.join(", ")}.`,
      );
  }
  const merged: NonNullable<GatewaySetting["providers"]> = {};
  for (const name of GATEWAY_PROVIDER_NAMES) merged[name] = { ...setting[name], ...options[name] };
  return merged;
}

/** Every provider route with its base URL: the setting's over the default. */
function resolveRoutes(
  providers: NonNullable<GatewaySetting["providers"]>,
): Map<string, GatewayRoute> {
  const routes = new Map<string, GatewayRoute>();
  for (const spec of GATEWAY_PROVIDERS) {
    const chosen = providers[spec.name] ?? {};
    const baseUrl = chosen.baseUrl ?? spec.defaultBaseUrl;
    routes.set(spec.name, {
      ...spec,
      baseUrl: baseUrl?.replace(/\/+$/, ""),
      injectStreamUsage: chosen.injectStreamUsage ?? true,
    });
  }
  return routes;
}

/** The Prometheus exporter, when the optional `prom-client` is installed. */
async function loadPrometheus(
  meter: () => Meter | undefined,
): Promise<PrometheusExporter | undefined> {
  try {
    const { createPrometheusExporter } = await import("../prometheus/prometheus-exporter.ts");
    return createPrometheusExporter({
      budgets: () => meter()?.budgets?.status(),
      healthAlerts: () => meter()?.alerts?.status(),
    });
  } catch {
    return undefined;
  }
}

/** The dashboard's handler over the ledger; undefined (reported) when the ledger cannot be read. */
async function loadDashboard(
  options: GatewayOptions,
  ledger: string | false,
  host: string,
  token: string | undefined,
  timeZone: string | undefined,
  diagnostics: DiagnosticsLogger,
): Promise<
  | {
      handler: (request: IncomingMessage, response: ServerResponse) => void;
      close(): Promise<void>;
    }
  | undefined
> {
  try {
    const [{ createDashboardHandler }, { openStore, isPostgresUrl }, budgets] = await Promise.all([
      import("../dashboard/dashboard-server.ts"),
      import("../store/open-store.ts"),
      import("../budgets/ledger-budgets-source.ts"),
    ]);
    let store = options.dashboardStore;
    const opened = store === undefined;
    let budgetsSource: ReturnType<typeof budgets.createLedgerBudgetsSource> | undefined;
    if (store === undefined) {
      if (ledger === false) return undefined;
      store = await openStore(ledger);
      if (!isPostgresUrl(ledger))
        budgetsSource = budgets.createLedgerBudgetsSource(
          ledger,
          timeZone === undefined ? {} : { timeZone },
        );
    }
    const handler = createDashboardHandler({
      store,
      host,
      ...(token === undefined ? {} : { token }),
      ...(timeZone === undefined ? {} : { timeZone }),
      ...(budgetsSource === undefined ? {} : { budgets: budgetsSource }),
    });
    const read = store;
    // A ledger the gateway opened for the dashboard is its to close; one it was given is not.
    return { handler, close: async () => (opened ? read.close() : undefined) };
  } catch (error) {
    diagnostics("warn", "gateway: the dashboard cannot read the ledger, so it is off", error);
    return undefined;
  }
}

function printAccessLog(entry: GatewayAccessLogEntry): void {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

/** Resolves when every promise settled, or after `timeoutMs`. */
async function waitFor(promises: Promise<unknown>[], timeoutMs: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
