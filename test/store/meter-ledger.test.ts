import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withAttribution } from "../../src/meter/attribution.ts";
import { createMeter, type MeterOptions } from "../../src/meter/create-meter.ts";
import { aggregateEvents } from "../../src/stats/aggregate-events.ts";
import { createLedger } from "../../src/store/create-ledger.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { SessionFileError } from "../../src/store/session-file.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { sampleEvents } from "./sample-events.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-meter-ledger-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let fileCount = 0;
function newPath(): string {
  fileCount += 1;
  return join(folder, `sub-${fileCount}`, "usage.db");
}

const ISOLATED = { env: { LLMETER_CONFIG: "none" }, cwd: folder };

function meterWith(options: MeterOptions) {
  const events: UsageEvent[] = [];
  const meter = createMeter({
    pricing: false,
    configContext: ISOLATED,
    diagnostics: () => {},
    ...options,
    sinks: [(event) => void events.push(event)],
  });
  return { meter, events };
}

function recordSamples(meter: ReturnType<typeof createMeter>, samples: UsageEvent[]) {
  for (const sample of samples) meter.record({ ...sample });
}

describe("the meter's ledger", () => {
  it("survives a restart: write, close, reopen, same totals to the cent", async () => {
    const path = newPath();
    const samples = sampleEvents(300, { seed: 3 });
    const { meter, events } = meterWith({ ledger: path });
    recordSamples(meter, samples);
    await meter.shutdown();
    expect(events).toHaveLength(300);

    const ledger = await createLedger({ location: path, configContext: ISOLATED });
    const report = await ledger.report({ period: "all", groupBy: "model", timeZone: "UTC" });
    const reference = aggregateEvents(events, { groupBy: ["model"], timeZone: "UTC" });
    // Sums are exact; percentiles come from the rollups' histograms, within 1%.
    const {
      latencyP50,
      latencyP95,
      latencyP99,
      timeToFirstTokenP50,
      timeToFirstTokenP95,
      timeToFirstTokenP99,
      avgLatencyMs,
      ...sums
    } = report.totals;
    const {
      latencyP50: exactP50,
      latencyP95: exactP95,
      latencyP99: exactP99,
      timeToFirstTokenP50: _t50,
      timeToFirstTokenP95: _t95,
      timeToFirstTokenP99: _t99,
      avgLatencyMs: exactAvg,
      ...exactSums
    } = reference.totals;
    expect(sums).toEqual(exactSums);
    expect(avgLatencyMs).toBeCloseTo(exactAvg!, 6);
    for (const [approximate, exact] of [
      [latencyP50, exactP50],
      [latencyP95, exactP95],
      [latencyP99, exactP99],
    ] as const) {
      expect(Math.abs(approximate! - exact!)).toBeLessThanOrEqual(exact! * 0.01);
    }
    expect(timeToFirstTokenP99).toBeGreaterThan(0);
    expect(Math.round(report.totals.totalCostUsd * 100)).toBe(
      Math.round(reference.totals.totalCostUsd * 100),
    );
    expect(report.groups.map((group) => [group.key, group.totalRequests])).toEqual(
      reference.groupsBy.model!.map((group) => [group.key, group.totalRequests]),
    );
    expect(report.schemaVersion).toBe(1);
    await ledger.close();
  });

  it("creates the ledger readable by its owner only", async () => {
    const path = newPath();
    const { meter } = meterWith({ ledger: path });
    meter.recordLlm({ provider: "openai", model: "gpt-4o" });
    await meter.shutdown();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
  });

  it("replaying the same event ids never double-counts", async () => {
    const path = newPath();
    const samples = sampleEvents(50, { seed: 4 });
    for (let round = 0; round < 3; round++) {
      const { meter } = meterWith({ ledger: path });
      recordSamples(meter, samples);
      await meter.shutdown();
    }
    const store = createSqliteStore(path);
    const { totals } = await store.aggregate({ filter: {}, timeZone: "UTC" });
    expect(totals.totalRequests).toBe(50);
    await store.close();
  });

  it("with syncWrites, the event is in the ledger before record() returns", async () => {
    const path = newPath();
    const { meter } = meterWith({ ledger: path, syncWrites: true });
    const reader = createSqliteStore(path);
    meter.recordLlm({ id: "sync-1", provider: "openai", model: "gpt-4o", inputTokens: 5 });
    // No await between record() and the read: the row must already be committed.
    const rows: UsageEvent[] = [];
    const iterator = reader.events()[Symbol.asyncIterator]();
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      rows.push(next.value);
    expect(rows.map((row) => row.id)).toEqual(["sync-1"]);
    await reader.close();
    await meter.shutdown();
  });

  it("uses a given store, and store: false keeps usage in memory only", async () => {
    const store = createMemoryStore();
    const { meter } = meterWith({ store });
    meter.recordLlm({ provider: "openai", model: "gpt-4o" });
    await meter.flush();
    expect((await store.aggregate({ filter: {}, timeZone: "UTC" })).totals.totalRequests).toBe(1);
    await meter.shutdown();

    const cwd = mkdtempSync(join(folder, "no-ledger-"));
    const off = createMeter({ store: false, configContext: { env: { LLMETER_DB: "x.db" }, cwd } });
    off.recordLlm({ provider: "openai", model: "gpt-4o" });
    await off.shutdown();
    expect(existsSync(join(cwd, "x.db"))).toBe(false);
  });

  it("leaves the default ledger off under a test runner unless db is configured", async () => {
    const cwd = mkdtempSync(join(folder, "default-"));
    const implicit = createMeter({ configContext: { env: { VITEST: "true" }, cwd } });
    implicit.recordLlm({ provider: "openai", model: "gpt-4o" });
    await implicit.shutdown();
    expect(existsSync(join(cwd, ".llmeter"))).toBe(false);

    // Even an isolated configContext.env must not turn it on: this process runs under vitest.
    const isolated = createMeter({ pricing: false, configContext: { env: {}, cwd } });
    isolated.recordLlm({ provider: "openai", model: "gpt-4o" });
    await isolated.shutdown();
    expect(existsSync(join(cwd, ".llmeter"))).toBe(false);

    // Outside a test runner the default ledger is on, at .llmeter/usage.db under the working folder.
    const child = spawnSync(
      process.execPath,
      [join(import.meta.dirname, "fixtures", "default-ledger.ts")],
      {
        cwd,
        env: {
          ...process.env,
          VITEST: undefined,
          VITEST_WORKER_ID: undefined,
          NODE_ENV: undefined,
          LLMETER_DB: undefined,
          NODE_NO_WARNINGS: "1",
        },
        encoding: "utf8",
      },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(existsSync(join(cwd, ".llmeter", "usage.db"))).toBe(true);

    // LLMETER_DB turns it on even under a test runner.
    const configured = createMeter({
      pricing: false,
      configContext: { env: { VITEST: "true", LLMETER_DB: "custom.db" }, cwd },
    });
    configured.recordLlm({ provider: "openai", model: "gpt-4o" });
    await configured.shutdown();
    expect(existsSync(join(cwd, "custom.db"))).toBe(true);
  });

  it("refuses a configured ledger it cannot create, saying where and how to fix it", () => {
    const blocker = join(folder, "a-file");
    writeFileSync(blocker, "not a folder");
    expect(() =>
      createMeter({ ledger: join(blocker, "usage.db"), configContext: ISOLATED }),
    ).toThrow(/Cannot create the ledger .*a-file\/usage\.db.*LLMETER_DB/);
  });
});

describe("sessions", () => {
  it("groups calls made inside session.run() and reads their aggregates from the ledger", async () => {
    const path = newPath();
    const { meter } = meterWith({ ledger: path });
    const session = meter.session("build-42");
    await session.run(async () => {
      meter.recordLlm({
        provider: "openai",
        model: "gpt-4o",
        inputTokens: 100,
        outputTokens: 10,
        costUsd: 0.5,
        latencyMs: 100,
      });
      await Promise.resolve();
      meter.recordLlm({
        provider: "anthropic",
        model: "claude-sonnet-4",
        inputTokens: 50,
        costUsd: 0.25,
        latencyMs: 300,
      });
    });
    meter.recordLlm({ provider: "openai", model: "gpt-4o", costUsd: 9 }); // outside the session
    const stats = await session.stats();
    expect(stats).toMatchObject({
      sessionId: "build-42",
      totalRequests: 2,
      totalInputTokens: 150,
      totalOutputTokens: 10,
      totalCostUsd: 0.75,
      latencyP50: 200,
    });
    await meter.shutdown();

    // After a restart, the same session's aggregates come back from the ledger.
    const { meter: restarted } = meterWith({ ledger: path });
    expect((await restarted.session("build-42").stats()).totalCostUsd).toBe(0.75);
    await restarted.shutdown();
  });

  it("closes after its TTL of inactivity, and expired sessions are cleaned up", async () => {
    let nowMs = Date.UTC(2026, 10, 20, 12);
    const { meter } = meterWith({ store: false, now: () => nowMs, sessionTtlMs: 60_000 });
    const session = meter.session("short");
    const again = meter.session("short");
    expect(again).toBe(session);
    nowMs += 30_000;
    session.run(() => meter.recordLlm({ provider: "openai", model: "gpt-4o" }));
    nowMs += 45_000; // 45 s since the last activity: still open
    expect(session.closed).toBe(false);
    nowMs += 30_000; // 75 s idle: past the TTL
    expect(session.closed).toBe(true);
    // Asking for it again opens a fresh handle; the old one stays closed.
    const reopened = meter.session("short");
    expect(reopened).not.toBe(session);
    expect(reopened.closed).toBe(false);
    // The live-memory summary still has the call recorded in the first handle.
    expect((await reopened.stats()).totalRequests).toBe(1);
    reopened.close();
    expect(reopened.closed).toBe(true);
    await meter.shutdown();
  });

  it("exports a session to JSON and imports it elsewhere without loss", async () => {
    const source = createSqliteStore(newPath());
    const samples = sampleEvents(400, { seed: 11 });
    await source.append(samples);
    const sourceLedger = await createLedger({ store: source, configContext: ISOLATED });
    const file = join(folder, "session-3.json");
    await sourceLedger.exportSession("session-3", file);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const target = await createLedger({ location: newPath(), configContext: ISOLATED });
    const result = await target.importSession(file);
    const inSession = samples.filter((event) => event.sessionId === "session-3");
    expect(result).toEqual({
      sessionId: "session-3",
      events: inSession.length,
      imported: inSession.length,
    });
    // Identical events and identical aggregates on both sides.
    const exported: UsageEvent[] = [];
    for await (const event of target.store.events()) exported.push(event);
    expect(exported).toEqual([...inSession].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1)));
    const [before] = await sourceLedger.sessions({ filter: { sessionId: "session-3" } });
    const [after] = await target.sessions();
    expect(after).toEqual(before);
    // Importing twice adds nothing.
    expect((await target.importSession(file)).imported).toBe(0);
    await sourceLedger.close();
    await target.close();
  });

  it("refuses a damaged session file and writes nothing", async () => {
    const target = await createLedger({ location: newPath(), configContext: ISOLATED });
    const file = join(folder, "bad-session.json");
    const good = sampleEvents(3, { seed: 2, idPrefix: "ok" });
    writeFileSync(
      file,
      JSON.stringify({
        format: "llmeter-session",
        schemaVersion: 1,
        sessionId: "x",
        events: [good[0], { ...good[1], inputTokens: -5 }, good[2]],
      }),
    );
    const failure = target.importSession(file);
    await expect(failure).rejects.toThrow(SessionFileError);
    await expect(target.importSession(file)).rejects.toThrow(
      /events\[1\].*inputTokens.*nothing was imported/,
    );
    expect((await target.report({ period: "all" })).totals.totalRequests).toBe(0);
    writeFileSync(file, "{ not json");
    await expect(target.importSession(file)).rejects.toThrow(/not valid JSON/);
    await target.close();
  });
});

describe("retention and clearing", () => {
  it("keeps the SQLite ledger under a size limit by deleting the oldest events first", async () => {
    const store = createSqliteStore(newPath(), { deleteBatchSize: 500 });
    const samples = sampleEvents(20_000, { seed: 5, spanMs: 30 * 86_400_000 });
    await store.append(samples);
    const fullSize = store.sizeBytes();
    const limit = Math.floor(fullSize / 2);
    const result = await store.enforceRetention({ maxBytes: limit });
    expect(result.deleted).toBeGreaterThan(0);
    expect(result.sizeBytes).toBeLessThanOrEqual(limit);
    // What is left is the newest events.
    const sorted = [...samples].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
    const left: UsageEvent[] = [];
    for await (const event of store.events()) left.push(event);
    expect(left.length).toBe(samples.length - result.deleted);
    expect(left[0]!.id).toBe(sorted[result.deleted]!.id);
    await store.close();
  });

  it("clears by session, by period and everything through the ledger API", async () => {
    const ledger = await createLedger({ location: newPath(), configContext: ISOLATED });
    const samples = sampleEvents(200, { seed: 9 });
    await ledger.store.append(samples);
    const session = samples.filter((event) => event.sessionId === "session-0").length;
    expect(await ledger.clear({ sessionId: "session-0" })).toBe(session);
    expect(await ledger.clear({})).toBe(200 - session);
    await ledger.close();
  });

  it("reports by tenant for a period from the ledger, with attribution from context", async () => {
    const path = newPath();
    const nowMs = Date.UTC(2026, 10, 20, 12);
    const { meter } = meterWith({ ledger: path, now: () => nowMs });
    await withAttribution({ tenantId: "acme" }, async () => {
      meter.recordLlm({
        provider: "openai",
        model: "gpt-4o",
        costUsd: 1,
        timestamp: nowMs - 86_400_000,
      });
      meter.recordLlm({
        provider: "openai",
        model: "gpt-4o",
        costUsd: 1,
        timestamp: nowMs - 40 * 86_400_000,
      });
    });
    meter.recordLlm({
      provider: "openai",
      model: "gpt-4o",
      costUsd: 3,
      tenantId: "globex",
      timestamp: nowMs - 1000,
    });
    await meter.shutdown();
    const ledger = await createLedger({
      location: path,
      now: () => nowMs,
      configContext: ISOLATED,
    });
    const report = await ledger.report({ period: "30d", groupBy: "tenant", timeZone: "UTC" });
    expect(report.groups.map((group) => [group.key, group.totalCostUsd])).toEqual([
      ["globex", 3],
      ["acme", 1],
    ]);
    expect(report.period).toEqual({
      name: "30d",
      since: new Date(nowMs - 30 * 86_400_000).toISOString(),
      until: new Date(nowMs).toISOString(),
    });
    await expect(ledger.report({ period: "fortnight" })).rejects.toThrow(/Unknown period/);
    await expect(ledger.report({ timeZone: "Mars/Base" })).rejects.toThrow(/Unknown time zone/);
    await ledger.close();
    expect(readFileSync(path).subarray(0, 15).toString()).toBe("SQLite format 3");
  });
});
