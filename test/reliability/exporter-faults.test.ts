// OTLP export against a collector that is unreachable, hangs (accepts, never answers) or fails
// (HTTP 500): the application's calls return their results, the ledger still gets every event,
// meter.flush() does not wait on the exporter, and nothing throws into the application.

import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { startOtelExport } from "../../src/otel/otlp-pipeline.ts";

type Collector = { url: string; requests: number; close(): Promise<void> };

async function listen(handler: (server: Server) => Server): Promise<Collector> {
  const state = { requests: 0 };
  const server = handler(
    createServer((_request, response) => {
      state.requests += 1;
      response.statusCode = 500;
      response.end("collector is broken");
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function unreachable(): Promise<Collector> {
  const collector = await listen((server) => server);
  await collector.close();
  return collector;
}

async function hanging(): Promise<Collector> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer(() => {
    // Never answers.
  });
  server.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const collectors: Collector[] = [];
afterEach(async () => {
  for (const collector of collectors.splice(0)) await collector.close().catch(() => {});
});

const cases: Array<[string, () => Promise<Collector>]> = [
  ["unreachable", unreachable],
  ["hanging", hanging],
  ["failing with HTTP 500", () => listen((server) => server)],
];

describe("OTLP exporter faults", { timeout: 60_000 }, () => {
  for (const [name, start] of cases) {
    it(`a collector that is ${name}: results unchanged, ledger complete, nothing thrown`, async () => {
      const collector = await start();
      collectors.push(collector);
      const pipeline = await startOtelExport({
        endpoint: collector.url,
        protocol: "http/json",
        metricIntervalMs: 200,
      });
      const ledger = join(mkdtempSync(join(tmpdir(), "llmeter-otlp-fault-")), "usage.db");
      const meter = createMeter({
        ledger,
        configContext: { env: {}, cwd: tmpdir() },
        diagnostics: () => {},
      });
      let wrong = 0;
      for (let index = 0; index < 1000; index++) {
        const result = await meter.track(
          { provider: "openai", model: "gpt-4o" },
          async (tracker) => {
            tracker.setTokens({ inputTokens: 10, outputTokens: 2 });
            return index;
          },
        );
        if (result !== index) wrong += 1;
        if (index % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await meter.flush();
      expect(wrong).toBe(0);
      const db = new DatabaseSync(ledger, { readOnly: true });
      expect((db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n).toBe(1000);
      db.close();
      await meter.shutdown();
      await pipeline.shutdown();
    });
  }

  // startOtelExport's shutdown() must not hand the exporter's error (ECONNREFUSED, a time-out,
  // HTTP 500) to an application that awaits it in its own shutdown path.
  it("the pipeline's shutdown resolves even when the collector fails", async () => {
    const collector = await listen((server) => server);
    collectors.push(collector);
    const pipeline = await startOtelExport({ endpoint: collector.url, protocol: "http/json" });
    const meter = createMeter({ store: false, diagnostics: () => {} });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
    await meter.flush();
    await meter.shutdown();
    await expect(pipeline.shutdown()).resolves.toBeUndefined();
  });
});
