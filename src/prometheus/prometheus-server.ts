import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PrometheusExporter } from "./prometheus-exporter.ts";

/** Options of `createPrometheusServer`. */
export interface PrometheusServerOptions {
  /** Port to listen on; 0 picks a free one. Default 9464 (the OpenTelemetry Prometheus default). */
  port?: number;
  /** Address to listen on. Default `127.0.0.1`; use `0.0.0.0` to let other machines scrape. */
  host?: string;
  /** Path of the metrics. Default `/metrics`. */
  path?: string;
}

/** A running metrics endpoint. */
export interface PrometheusServer {
  /** The URL Prometheus should scrape. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `exporter`'s metrics on their own port, for apps without an HTTP server to mount
 * `exporter.handler` in.
 *
 * @example
 * const server = await createPrometheusServer(prometheus, { port: 9464 });
 */
export async function createPrometheusServer(
  exporter: PrometheusExporter,
  options: PrometheusServerOptions = {},
): Promise<PrometheusServer> {
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/metrics";
  const server: Server = createServer((request, response) => {
    const requestPath = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && requestPath === path) {
      exporter.handler(request, response);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end(`not found: metrics are at ${path}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `llmeter: cannot serve Prometheus metrics on ${host}:${options.port ?? 9464} (${error.code ?? error.message}); choose another port with createPrometheusServer(exporter, { port })`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port ?? 9464, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}${path}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
