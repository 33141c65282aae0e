import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUsageReport } from "../../src/cli/build-usage-report.ts";
import type { ResolvedQuery } from "../../src/cli/usage-query.ts";
import type { DashboardData } from "../../src/dashboard/build-dashboard-data.ts";
import {
  type DashboardServer,
  startDashboardServer,
} from "../../src/dashboard/dashboard-server.ts";
import { forecastLedgerSpend } from "../../src/forecast/ledger-spend-forecast.ts";
import type { UsageReport } from "../../src/stats/usage-stats.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import { seedEvents } from "./seed-events.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");
const DAY_MS = 86_400_000;
const TIME_ZONE = "Europe/Paris";
const events = seedEvents(3000, { endMs: NOW, spanMs: 20 * DAY_MS });

function allQuery(filters: ResolvedQuery["filters"] = {}): ResolvedQuery {
  return { filter: { ...filters }, filters, period: { name: "all" }, timeZone: TIME_ZONE };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

// The same assertions against the SQLite ledger (rollups) and the memory store (plain scans).
describe.each([
  ["sqlite", () => createSqliteStore(join(directory, "usage.db"))],
  ["memory", () => createMemoryStore()],
])("dashboard API over the %s store", (_name, createStore) => {
  let store: UsageStore;
  let server: DashboardServer;
  const get = async (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await get(path);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    store = createStore();
    await store.append(events);
    server = await startDashboardServer({ store, port: 0, timeZone: TIME_ZONE, now: () => NOW });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it("serves /api/report in the CLI's --json shape, with the same numbers", async () => {
    for (const [path, groupBy, filters] of [
      ["/api/report", null, {}],
      ["/api/report?groupBy=model", "model", {}],
      ["/api/report?groupBy=day&tenant=acme", "day", { tenantId: "acme" }],
      ["/api/report?groupBy=user&provider=openai", "user", { provider: "openai" }],
    ] as const) {
      const report = await getJson<UsageReport>(path);
      expect(report).toEqual(await buildUsageReport(store, allQuery(filters), groupBy));
    }
  });

  it("answers /api/dashboard with totals, breakdowns and a timeline that add up", async () => {
    const data = await getJson<DashboardData>("/api/dashboard");
    const expected = await buildUsageReport(store, allQuery(), null);
    expect(data.report).toEqual(expected);
    expect(data.report.totals.totalRequests).toBe(events.length);
    for (const name of ["provider", "model", "tenant"] as const)
      expect(data.breakdowns[name]).toEqual(await buildUsageReport(store, allQuery(), name));

    // 20 days of data: day buckets, in the asked zone, covering every call exactly once.
    expect(data.timeline.unit).toBe("day");
    const buckets = data.timeline.buckets;
    expect(buckets.length).toBeGreaterThanOrEqual(20);
    expect(sum(buckets.map((bucket) => bucket.totals.totalRequests))).toBe(events.length);
    for (const bucket of buckets) {
      const stacks = Object.values(bucket.stacks);
      expect(sum(stacks.map((stack) => stack.requests))).toBe(bucket.totals.totalRequests);
      expect(sum(stacks.map((stack) => stack.costUsd))).toBeCloseTo(bucket.totals.totalCostUsd, 6);
    }
    const anthropicRequests = sum(buckets.map((bucket) => bucket.stacks.anthropic?.requests ?? 0));
    expect(anthropicRequests).toBe(events.filter((event) => event.provider === "anthropic").length);

    // The unpriced model is named with its provider, and nobody prices it: a price file to fill in.
    expect(data.unpricedModels).toEqual([
      {
        model: "mistral-homegrown",
        providers: ["mistral"],
        requests: events.filter(
          (event) => event.model === "mistral-homegrown" && event.costUsd === undefined,
        ).length,
        fix: "price-file",
        priceEntryId: null,
        command: "llmeter prices template mistral-homegrown --provider mistral > prices.json",
      },
    ]);
    expect(data.priceFileTemplate?.prices).toMatchObject([
      { provider: "mistral", model: "mistral-homegrown", prices: { input: null, output: null } },
    ]);
    expect(data.budgets).toMatchObject({ available: false, budgets: [] });
    expect(data.calls).toBeNull();

    // Month-end forecasts: overall and per tenant, each the ledger forecast of its scope.
    const forecastOf = (scope: string, filter: { tenantId?: string }) =>
      forecastLedgerSpend(store, { nowMs: NOW, timeZone: TIME_ZONE, scope, filter });
    expect(data.forecasts.overall).toEqual(await forecastOf("all", {}));
    expect(data.forecasts.tenants.map((entry) => entry.scope).sort()).toEqual([
      "tenant:acme",
      "tenant:globex",
      "tenant:initech",
    ]);
    const acme = data.forecasts.tenants.find((entry) => entry.scope === "tenant:acme");
    expect(acme).toEqual(await forecastOf("tenant:acme", { tenantId: "acme" }));
    expect(acme?.monthEnd.at).toBe("2026-11-30");
    expect(acme?.monthEnd.lowUsd).toBeLessThanOrEqual(acme?.monthEnd.projectedUsd ?? 0);
    expect(acme?.monthEnd.highUsd).toBeGreaterThan(acme?.monthEnd.projectedUsd ?? 0);
    // The tenants' month-to-date spend is part of the overall's (untenanted calls are the rest).
    const tenantsSpent = sum(data.forecasts.tenants.map((entry) => entry.monthEnd.spentUsd));
    expect(tenantsSpent).toBeLessThan(data.forecasts.overall?.monthEnd.spentUsd ?? 0);
  });

  it("uses hour buckets for short periods and lists a session's calls, newest first", async () => {
    const data = await getJson<DashboardData>("/api/dashboard?period=24h&stackBy=model");
    expect(data.timeline.unit).toBe("hour");
    expect(data.timeline.stackBy).toBe("model");
    expect(data.timeline.buckets).toHaveLength(24);
    const inPeriod = events.filter((event) => Date.parse(event.timestamp) >= NOW - DAY_MS);
    expect(sum(data.timeline.buckets.map((bucket) => bucket.totals.totalRequests))).toBe(
      inPeriod.length,
    );

    const sessionId = events[100]!.sessionId!;
    const session = await getJson<DashboardData>(`/api/dashboard?session=${sessionId}`);
    const sessionEvents = events.filter((event) => event.sessionId === sessionId);
    expect(session.report.totals.totalRequests).toBe(sessionEvents.length);
    expect(session.calls?.map((call) => call.id)).toEqual(
      [...sessionEvents]
        .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
        .map((event) => event.id),
    );
  });

  it("lists sessions like the store does", async () => {
    const body = await getJson<{ sessions: unknown[] }>("/api/sessions?limit=5&user=alice");
    expect(body.sessions).toEqual(
      await store.listSessions({ limit: 5, filter: { userId: "alice" } }),
    );
  });

  it("refuses bad requests with a message that says what to fix", async () => {
    for (const [path, message] of [
      ["/api/dashboard?perod=24h", /Unknown query parameter "perod"/],
      ["/api/report?period=2x", /Unknown period "2x"/],
      ["/api/report?groupBy=planet", /groupBy "planet" is unknown/],
      ["/api/dashboard?stackBy=tenant", /stackBy "tenant" is unknown/],
      ["/api/report?tz=Mars/Olympus", /time zone|Mars\/Olympus/i],
      ["/api/report?model=a&model=b", /given 2 times/],
      ["/api/sessions?limit=0", /limit "0"/],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect((await get("/api/nothing")).status).toBe(404);
    expect((await get("/api/report", { method: "POST" })).status).toBe(405);
  });
});

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "llmeter-dashboard-api-"));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The JSON data block of the page at `url`, parsed. */
async function initialData(url: string): Promise<{
  config: { timeZone: string };
  search: string;
  data?: DashboardData;
}> {
  const html = await (await fetch(url)).text();
  const block = /<script type="application\/json" id="llmeter-initial">(.*?)<\/script>/s.exec(html);
  expect(block, "the page inlines its first view's data").not.toBeNull();
  return JSON.parse(block![1]!);
}

describe("the page's inlined first view", () => {
  it("is what /api/dashboard answers for the page's URL, with the default period", async () => {
    const store = createMemoryStore();
    await store.append(events);
    const server = await startDashboardServer({
      store,
      port: 0,
      timeZone: TIME_ZONE,
      now: () => NOW,
    });
    try {
      const api = (path: string) =>
        fetch(new URL(path, server.url)).then(
          (response) => response.json() as Promise<DashboardData>,
        );
      const fresh = await initialData(`${server.url}?tenant=acme&stackBy=model`);
      expect(fresh.search).toBe("?tenant=acme&stackBy=model");
      expect(fresh.config.timeZone).toBe(TIME_ZONE);
      const expected = await api("/api/dashboard?tenant=acme&stackBy=model&period=7d");
      expect({ ...fresh.data, generatedAt: "" }).toEqual({ ...expected, generatedAt: "" });
      expect(fresh.data!.report.totals.totalRequests).toBeGreaterThan(0);
      expect(fresh.data!.timeline.stackBy).toBe("model");
      const byPeriod = await initialData(`${server.url}?period=30d`);
      expect(byPeriod.data!.report.totals).toEqual(
        (await api("/api/dashboard?period=30d")).report.totals,
      );
      // A wrong URL leaves the data out: the page asks the API itself and shows its error.
      const wrong = await initialData(`${server.url}?period=fortnight`);
      expect(wrong.data).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it("keeps hostile names as text: nothing can close the data block early", async () => {
    const store = createMemoryStore();
    const hostile = "</script><script src=/x.js></script><!--";
    await store.append(
      seedEvents(20, { endMs: NOW, spanMs: DAY_MS, idPrefix: "hostile" }).map((event) => ({
        ...event,
        tenantId: hostile,
      })),
    );
    const server = await startDashboardServer({
      store,
      port: 0,
      timeZone: TIME_ZONE,
      now: () => NOW,
    });
    try {
      const html = await (await fetch(server.url)).text();
      expect(html.match(/<script/g)).toHaveLength(3); // uPlot, app.js, the data block
      const fresh = await initialData(server.url);
      expect(fresh.data!.breakdowns.tenant.groups.map((group) => group.key)).toContain(hostile);
    } finally {
      await server.close();
    }
  });
});

describe("dashboard static files", () => {
  it("are linked by content hash, cached for good under it, and compressed when asked", async () => {
    const server = await startDashboardServer({ store: createMemoryStore(), port: 0 });
    try {
      const html = await (await fetch(server.url)).text();
      const links = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map(
        (match) => match[1]!,
      );
      expect(links.length).toBe(4);
      for (const link of links) {
        expect(link).toMatch(/\?v=[\w-]{12}$/);
        const versioned = await fetch(new URL(link, server.url));
        expect(versioned.headers.get("cache-control")).toContain("immutable");
        const plainPath = link.replace(/\?v=.*$/, "");
        const plain = await fetch(new URL(plainPath, server.url), {
          headers: { "Accept-Encoding": "identity" },
        });
        expect(plain.headers.get("cache-control")).toBe("no-cache");
        expect(plain.headers.get("content-encoding")).toBeNull();
        const body = Buffer.from(await plain.arrayBuffer());
        // fetch decodes br/gzip itself: the decoded body is the file, the wire copy is smaller.
        for (const encoding of ["br", "gzip"]) {
          const packed = await fetch(new URL(link, server.url), {
            headers: { "Accept-Encoding": encoding },
          });
          expect(packed.headers.get("content-encoding")).toBe(encoding);
          expect(Number(packed.headers.get("content-length"))).toBeLessThan(body.length);
          expect(Buffer.from(await packed.arrayBuffer()).equals(body)).toBe(true);
        }
        // A stale link (another version) is served, but not cached for good.
        const stale = await fetch(new URL(`${plainPath}?v=old`, server.url));
        expect(stale.headers.get("cache-control")).toBe("no-cache");
        const etag = plain.headers.get("etag")!;
        const revalidated = await fetch(new URL(plainPath, server.url), {
          headers: { "Accept-Encoding": "identity", "If-None-Match": etag },
        });
        expect(revalidated.status).toBe(304);
      }
    } finally {
      await server.close();
    }
  });
});

describe("dashboard server security", () => {
  it("sends security headers and serves no inline script", async () => {
    const store = createMemoryStore();
    const server = await startDashboardServer({ store, port: 0 });
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toContain("unsafe-inline");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      const html = await response.text();
      // Scripts come from files; the one inline element is the first view's data block, which
      // is JSON the browser never runs.
      expect(html).not.toMatch(
        /<script>(?!\s*<\/script>)|<script(?![^>]*\bsrc=)(?![^>]*\btype="application\/json")[^>]*>/,
      );
      expect(html.match(/<script type="application\/json"/g)).toHaveLength(1);
      expect(html).not.toMatch(/https?:\/\//);
      const chart = await fetch(new URL("/assets/uPlot.iife.min.js", server.url));
      expect(chart.status).toBe(200);
      expect(chart.headers.get("content-type")).toMatch(/javascript/);
    } finally {
      await server.close();
    }
  });

  it("refuses a request whose Host is not local (DNS rebinding)", async () => {
    const server = await startDashboardServer({ store: createMemoryStore(), port: 0 });
    try {
      const { request } = await import("node:http");
      const status = await new Promise<number>((resolve, reject) => {
        request(server.url, { headers: { Host: "evil.example:80" } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
      expect(status).toBe(421);
    } finally {
      await server.close();
    }
  });

  it("will not bind beyond loopback without a token", async () => {
    await expect(
      startDashboardServer({ store: createMemoryStore(), port: 0, host: "0.0.0.0" }),
    ).rejects.toThrow(/--token/);
  });

  it("requires the token, as a bearer header or once in the URL (then a cookie)", async () => {
    const token = "s3cret-token-for-tests";
    const server = await startDashboardServer({ store: createMemoryStore(), port: 0, token });
    try {
      expect((await fetch(new URL("/api/report", server.url))).status).toBe(401);
      expect((await fetch(new URL("/api/report?token=wrong", server.url))).status).toBe(401);
      const bearer = await fetch(new URL("/api/report", server.url), {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(bearer.status).toBe(200);

      const visit = await fetch(new URL(`/?token=${token}&period=7d`, server.url), {
        redirect: "manual",
      });
      expect(visit.status).toBe(303);
      expect(visit.headers.get("location")).toBe("/?period=7d");
      const cookie = visit.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const withCookie = await fetch(new URL("/api/report", server.url), {
        headers: { Cookie: cookie.split(";")[0]! },
      });
      expect(withCookie.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
