import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of the test PostgreSQL that can be switched off and on: switched
 * off, it closes every open connection and refuses new ones (ECONNREFUSED), exactly what a client
 * sees while the server is down, without stopping the server other test files share.
 */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and stops listening. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on an ephemeral 127.0.0.1 port forwarding to `targetHost:targetPort`. */
export async function createTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  function listen(): Promise<void> {
    if (server !== undefined) return Promise.resolve();
    const next = createServer((client) => {
      const upstream = createConnection({ host: targetHost, port: targetPort });
      sockets.add(client);
      sockets.add(upstream);
      const forget = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", forget).on("close", forget);
      upstream.on("error", forget).on("close", forget);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return new Promise((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        server = next;
        const address = next.address();
        if (address !== null && typeof address === "object") port = address.port;
        resolve();
      });
    });
  }

  async function stop(): Promise<void> {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: listen,
    close: stop,
  };
}
