import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DashboardServer,
  startDashboardServer,
} from "../../src/dashboard/dashboard-server.ts";
import type { UsageReport } from "../../src/stats/usage-stats.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { chromiumInstalled, launchChromium } from "./chromium.ts";
import { seedEvents } from "./seed-events.ts";

/** The page's globals, typed just enough for the code evaluated in Chromium (no DOM lib here). */
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
  } | null;
  toDataURL(): string;
}
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  documentElement: { scrollWidth: number };
  querySelector(selector: string): PageCanvas | null;
};

/**
 * End to end: the real page in Debian's headless Chromium (installed by .ci/setup/chromium.sh;
 * set LLMETER_TEST_CHROMIUM to use another binary) against a SQLite ledger seeded with known events.
 */
const ARTIFACTS = join(process.cwd(), "test-artifacts", "dashboard");
const NOW = Date.parse("2026-11-22T12:00:00Z");
const DAY_MS = 86_400_000;
const TIME_ZONE = "Europe/Paris";
const execFileAsync = promisify(execFile);

let directory: string;
let ledger: string;
let store: SqliteStore;
let server: DashboardServer;
let browser: Browser;

/** What the CLI prints with --json for these flags: the numbers the page must show. */
async function cliReport(...flags: string[]): Promise<UsageReport> {
  const { stdout } = await execFileAsync(process.execPath, [
    "src/cli/main.ts",
    "usage",
    "show",
    "--json",
    "--db",
    ledger,
    "--tz",
    TIME_ZONE,
    ...flags,
  ]);
  return JSON.parse(stdout) as UsageReport;
}

/** The CLI's numbers for the page's default period, the 7 days before the server's clock. */
const lastWeek = (...flags: string[]) =>
  cliReport(
    "--since",
    new Date(NOW - 7 * DAY_MS).toISOString(),
    "--until",
    new Date(NOW).toISOString(),
    ...flags,
  );

/** Opens the page and records console errors and uncaught exceptions. */
async function openPage(
  viewport: { width: number; height: number },
  search = "",
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${server.url}${search}`);
  await waitForPanels(page, search);
  return { page, errors };
}

/** Waits until every panel shows the answer for `search` (the page marks it on <body>). */
async function waitForPanels(page: Page, search: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.body.dataset.completeQuery === expected,
    search,
  );
}

const kpiValue = (page: Page, name: string) =>
  page.locator(`[data-kpi="${name}"]`).getAttribute("data-value").then(Number);
/** What a panel shows: its text, or for a chart the pixels of its canvas. */
const panelContent = (page: Page, id: string) =>
  id.startsWith("chart-")
    ? page
        .locator(`#${id} canvas`)
        .evaluate((canvas) => (canvas as unknown as PageCanvas).toDataURL())
    : page.locator(`#${id}`).innerText();

/** The number of painted (non-transparent) pixels of the chart's canvas. */
function paintedPixels(page: Page, chartId: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`#${id} canvas`);
    if (canvas === null || canvas.width === 0) return 0;
    const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) painted += 1;
    return painted;
  }, chartId);
}

const CHARTS = ["chart-cost", "chart-requests", "chart-latency", "chart-errors"];
const PANELS = [
  "kpis",
  ...CHARTS,
  "legend-cost",
  "tokens",
  "breakdown-provider",
  "breakdown-model",
  "breakdown-tenant",
  "breakdown-user",
  "sessions",
  "errors-by-type",
];

describe.skipIf(!chromiumInstalled)("the dashboard in a real browser", () => {
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "llmeter-dashboard-e2e-"));
    ledger = join(directory, "usage.db");
    store = createSqliteStore(ledger);
    await store.append(seedEvents(4000, { endMs: NOW, spanMs: 14 * DAY_MS }));
    server = await startDashboardServer({
      store,
      port: 0,
      timeZone: TIME_ZONE,
      now: () => NOW,
      refreshIntervalMs: 300,
    });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  describe("the dashboard page in Chromium", () => {
    it("shows the CLI's totals, draws every chart, and logs no error (1280×800)", async () => {
      const { page, errors } = await openPage({ width: 1280, height: 800 });
      const cli = await lastWeek();
      expect(await kpiValue(page, "requests")).toBe(cli.totals.totalRequests);
      expect(await kpiValue(page, "cost")).toBe(cli.totals.totalCostUsd);
      expect(await kpiValue(page, "tokens")).toBe(cli.totals.totalTokens);
      expect(await page.locator('[data-kpi="requests"] .kpi-value').innerText()).toBe(
        cli.totals.totalRequests.toLocaleString("en-US"),
      );
      expect(await page.locator('[data-kpi="cost"] .kpi-value').innerText()).toBe(
        `$${cli.totals.totalCostUsd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
      );

      // Each provider row shows the CLI's per-provider numbers.
      const byProvider = await lastWeek("--by", "provider");
      for (const group of byProvider.groups) {
        const row = page.locator(`#breakdown-provider tr[data-key="${group.key}"]`);
        await expect
          .poll(() => row.locator("td").first().innerText())
          .toBe(group.totalRequests.toLocaleString("en-US"));
      }
      for (const chart of CHARTS)
        expect(await paintedPixels(page, chart), chart).toBeGreaterThan(500);
      await expect.poll(() => page.locator("#unpriced").innerText()).toContain("mistral-homegrown");
      // A price file to fill in, never a $0 placeholder that would record calls at $0.
      const unpriced = await page.locator("#unpriced").innerText();
      expect(unpriced).toContain("llmeter prices template mistral-homegrown --provider mistral");
      expect(unpriced).toContain('"input": null');
      expect(unpriced).not.toMatch(/"(input|output)": 0/);
      expect(await page.locator("#budgets").innerText()).toMatch(/No budgets/);
      // The forecast panel: the overall month end first, then the tenants, each with its range.
      const overall = page.locator('#forecast tr[data-scope="all"]');
      await expect.poll(() => overall.innerText()).toMatch(/\$[\d,.]+–\$[\d,.]+/);
      expect(await page.locator('#forecast tr[data-scope="tenant:acme"]').count()).toBe(1);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-1280.png"), fullPage: true });
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-1280-viewport.png") });
      expect(errors).toEqual([]);
      await page.close();
    });

    it("draws the first view from the data in the page, then asks the API for the next", async () => {
      // Its own server with a slow live refresh, so every request counted is one the page chose.
      const quiet = await startDashboardServer({
        store,
        port: 0,
        timeZone: TIME_ZONE,
        now: () => NOW,
        refreshIntervalMs: 600_000,
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const asked: string[] = [];
        page.on("request", (request) => asked.push(new URL(request.url()).pathname));
        await page.goto(`${quiet.url}?tenant=acme`);
        await waitForPanels(page, "?tenant=acme");
        // Only the slow event-scan panels (users, sessions) are requested for the first view.
        expect(asked.filter((path) => path.startsWith("/api/")).sort()).toEqual([
          "/api/report",
          "/api/sessions",
        ]);
        const cli = await lastWeek("--tenant", "acme");
        expect(await kpiValue(page, "requests")).toBe(cli.totals.totalRequests);
        for (const chart of CHARTS) expect(await paintedPixels(page, chart)).toBeGreaterThan(0);
        await page.locator('#periods button[data-period="all"]').click();
        await waitForPanels(page, "?tenant=acme&period=all");
        expect(asked.filter((path) => path === "/api/dashboard")).toHaveLength(1);
        expect(await kpiValue(page, "requests")).toBe(
          (await cliReport("--tenant", "acme")).totals.totalRequests,
        );
        await page.close();
      } finally {
        await quiet.close();
      }
    });

    it("a filter click updates every panel and the URL", async () => {
      const { page, errors } = await openPage({ width: 1280, height: 800 });
      const before = new Map<string, string>();
      for (const id of PANELS) before.set(id, await panelContent(page, id));

      await page.locator('#breakdown-provider tr[data-key="anthropic"] button').click();
      await waitForPanels(page, "?provider=anthropic");
      expect(new URL(page.url()).searchParams.get("provider")).toBe("anthropic");
      for (const id of PANELS)
        expect(await panelContent(page, id), `panel #${id} did not change`).not.toBe(
          before.get(id),
        );

      const cli = await lastWeek("--provider", "anthropic");
      expect(await kpiValue(page, "requests")).toBe(cli.totals.totalRequests);
      expect(await kpiValue(page, "cost")).toBe(cli.totals.totalCostUsd);
      expect(
        await page
          .locator("#breakdown-model tbody tr")
          .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key"))),
      ).toEqual(["claude-sonnet-4"]);
      expect(await page.locator("#legend-cost").innerText()).toBe("anthropic");
      await expect
        .poll(() => page.locator('#filters [data-filter="provider"]').innerText())
        .toContain("anthropic");

      // Drill further: a tenant, then back with the browser's history.
      await page.locator('#breakdown-tenant tr[data-key="acme"] button').click();
      await waitForPanels(page, "?provider=anthropic&tenant=acme");
      const narrowed = await lastWeek("--provider", "anthropic", "--tenant", "acme");
      expect(await kpiValue(page, "requests")).toBe(narrowed.totals.totalRequests);
      await page.goBack();
      await waitForPanels(page, "?provider=anthropic");
      expect(await kpiValue(page, "requests")).toBe(cli.totals.totalRequests);

      // A session click shows that session's calls.
      const session = page.locator("#sessions tbody tr").first();
      const sessionId = (await session.getAttribute("data-key"))!;
      await session.locator("button").click();
      await waitForPanels(page, `?provider=anthropic&session=${sessionId}`);
      const sessionReport = await lastWeek("--provider", "anthropic", "--session", sessionId);
      expect(await page.locator("#calls tbody tr").count()).toBe(
        sessionReport.totals.totalRequests,
      );
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-session.png"), fullPage: true });

      // The period buttons: "all" shows the CLI's all-time numbers for the same filters.
      await page.locator('#periods button[data-period="all"]').click();
      await waitForPanels(page, `?provider=anthropic&session=${sessionId}&period=all`);
      const allTime = await cliReport("--provider", "anthropic", "--session", sessionId);
      expect(await kpiValue(page, "requests")).toBe(allTime.totals.totalRequests);
      expect(errors).toEqual([]);
      await page.close();
    });

    it("works on a phone-sized screen", async () => {
      const { page, errors } = await openPage({ width: 390, height: 844 }, "?period=24h");
      const cli = await cliReport(
        "--since",
        new Date(NOW - DAY_MS).toISOString(),
        "--until",
        new Date(NOW).toISOString(),
      );
      expect(await kpiValue(page, "requests")).toBe(cli.totals.totalRequests);
      // Nothing wider than the screen: no sideways scrolling of the page.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      for (const chart of CHARTS)
        expect(await paintedPixels(page, chart), chart).toBeGreaterThan(300);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });

    it("refreshes live while the application writes", async () => {
      const { page, errors } = await openPage({ width: 1280, height: 800 });
      const before = await kpiValue(page, "requests");
      const added = seedEvents(25, { endMs: NOW, spanMs: DAY_MS, idPrefix: "live" });
      await store.append(added);
      await expect
        .poll(() => kpiValue(page, "requests"), { timeout: 15_000 })
        .toBe(before + added.length);
      expect(errors).toEqual([]);
      await page.close();
    });

    it("shows what is wrong with a bad URL and lets the user recover", async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}?period=fortnight`);
      const banner = page.locator("#error-banner");
      await expect.poll(() => banner.isVisible()).toBe(true);
      expect(await banner.innerText()).toMatch(/Unknown period "fortnight"/);
      await banner.locator("button").click();
      await waitForPanels(page, "");
      expect(await banner.isVisible()).toBe(false);
      await page.close();
    });

    it("asks for the token when one is set, and keeps working after ?token= once", async () => {
      const token = "browser-test-token";
      const guarded = await startDashboardServer({
        store,
        port: 0,
        timeZone: TIME_ZONE,
        now: () => NOW,
        token,
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const refused = await page.goto(guarded.url);
        expect(refused?.status()).toBe(401);
        await page.goto(`${guarded.url}?token=${token}`);
        await waitForPanels(page, "");
        expect(new URL(page.url()).searchParams.has("token")).toBe(false);
        expect(await kpiValue(page, "requests")).toBeGreaterThan(0);
        await page.close();
      } finally {
        await guarded.close();
      }
    });
  });
});
