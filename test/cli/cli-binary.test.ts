// End to end: the built `llmeter` binary as a child process, on a SQLite ledger seeded with known
// events through `llmeter usage import`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UsageReport } from "../../src/stats/usage-stats.ts";
import { normalizeUsageEvent } from "../../src/usage/normalize-usage-event.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { startOtlpGrpcReceiver } from "../otel/otlp-grpc-receiver.ts";
import { spansOf } from "../otel/otlp-receiver.ts";
import { ensureBuilt, runBinary } from "./built-binary.ts";
import { SEED_EVENTS } from "./fixtures/seed-events.ts";

let cwd: string;
const run = (...args: string[]) => runBinary(args, { cwd });
const runJson = async <T = UsageReport>(...args: string[]): Promise<T> => {
  const result = await run(...args, "--json");
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

/** The expected sums, computed straight from the fixture (independently of the aggregator). */
function expectedTotals(events: readonly UsageEvent[]) {
  const sum = (pick: (event: UsageEvent) => number | undefined) =>
    events.reduce((total, event) => total + (pick(event) ?? 0), 0);
  return {
    totalRequests: events.length,
    failedRequests: events.filter((event) => !event.success).length,
    totalInputTokens: sum((event) => event.inputTokens),
    totalOutputTokens: sum((event) => event.outputTokens),
    totalCacheReadTokens: sum((event) => event.cacheReadTokens),
    totalCostUsd: sum((event) => event.costUsd),
  };
}

function seedFile(events: readonly UsageEvent[] = SEED_EVENTS): string {
  const path = join(cwd, "seed.jsonl");
  writeFileSync(path, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
  return path;
}

beforeAll(() => ensureBuilt(), 120_000);

beforeEach(async () => {
  cwd = mkdtempSync(join(tmpdir(), "llmeter-cli-"));
  // The fixture is a ledger as recorded, unpriced events included: imported as it is.
  const imported = await run("usage", "import", seedFile(), "--keep-costs");
  expect(imported.stderr).toBe("");
  expect(imported.code).toBe(0);
  expect(imported.stdout).toContain(`Imported ${SEED_EVENTS.length} events`);
});

describe("usage show", () => {
  it("prints totals, percentiles and the model breakdown", async () => {
    const result = await run("usage", "show", "--tz", "UTC");
    expect(result.code).toBe(0);
    expect(result.stdout.replace(cwd, "<cwd>")).toMatchSnapshot();
  });

  it("answers the fixture's sums in JSON", async () => {
    const report = await runJson("usage", "show", "--tz", "UTC");
    expect(report.schemaVersion).toBe(1);
    expect(report.groupBy).toBe("model");
    const expected = expectedTotals(SEED_EVENTS);
    expect(report.totals).toMatchObject({ ...expected, totalCostUsd: expect.any(Number) });
    expect(report.totals.totalCostUsd).toBeCloseTo(expected.totalCostUsd, 12);
    const byModel = Object.fromEntries(report.groups.map((group) => [group.key, group]));
    const gpt4o = SEED_EVENTS.filter((event) => event.model === "gpt-4o");
    expect(byModel["gpt-4o"]?.totalRequests).toBe(gpt4o.length);
    expect(byModel["gpt-4o"]?.totalCostUsd).toBeCloseTo(expectedTotals(gpt4o).totalCostUsd, 12);
    expect(report.errorsByType).toEqual({ rate_limit: 1 });
  });

  it("filters by tenant, provider and time", async () => {
    const report = await runJson(
      "usage",
      "show",
      "--tenant",
      "acme",
      "--provider",
      "OpenAI",
      "--since",
      "2026-11-20",
      "--until",
      "2026-11-21",
      "--tz",
      "UTC",
      "--by",
      "user",
    );
    const selected = SEED_EVENTS.filter(
      (event) =>
        event.tenantId === "acme" &&
        event.provider === "openai" &&
        event.timestamp >= "2026-11-20" &&
        event.timestamp < "2026-11-22",
    );
    expect(report.filters).toEqual({ tenantId: "acme", provider: "openai" });
    expect(report.period).toEqual({
      name: "custom",
      since: "2026-11-20T00:00:00.000Z",
      until: "2026-11-22T00:00:00.000Z",
    });
    expect(report.totals.totalRequests).toBe(selected.length);
    expect(report.groups.map((group) => group.key)).toEqual(["alice"]);
  });

  it("resolves --session latest to the most recently active session", async () => {
    const report = await runJson("usage", "show", "--session", "latest", "--tz", "UTC");
    expect(report.filters.sessionId).toBe("session-c");
    expect(report.totals.totalRequests).toBe(
      SEED_EVENTS.filter((event) => event.sessionId === "session-c").length,
    );
  });

  it("gives the same JSON as report for the same question", async () => {
    const args = ["--since", "2026-11-19", "--tz", "Europe/Paris", "--tenant", "acme"];
    const show = await runJson("usage", "show", "--by", "day", ...args);
    const daily = await runJson("report", "daily", ...args);
    expect(daily).toEqual(show);
  });
});

describe("report", () => {
  it("prints a ccusage-style daily table with a totals row", async () => {
    const result = await run("report", "daily", "--tz", "UTC");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
  });

  it("switches to the compact layout on a narrow terminal", async () => {
    const result = await runBinary(["report", "monthly", "--tz", "UTC"], {
      cwd,
      env: { COLUMNS: "80" },
    });
    expect(result.stdout).toMatchSnapshot();
    expect(result.stdout).not.toContain("Cache read");
  });

  it("--tz moves a late-evening call to its local day", async () => {
    const utc = await runJson("report", "daily", "--tz", "UTC");
    const newYork = await runJson("report", "daily", "--tz", "America/New_York");
    const requests = (report: UsageReport) =>
      Object.fromEntries(report.groups.map((group) => [group.key, group.totalRequests]));
    // evt-07 is 03:30 UTC on Nov 21, which is 22:30 on Nov 20 in New York.
    expect(requests(utc)).toEqual({ "2026-11-19": 2, "2026-11-20": 4, "2026-11-21": 2 });
    expect(requests(newYork)).toEqual({ "2026-11-19": 2, "2026-11-20": 5, "2026-11-21": 1 });
    expect(newYork.totals).toEqual(utc.totals);
  });

  it("lists sessions newest first", async () => {
    const sessions = await runJson<{
      groupBy: string;
      groups: Array<{ key: string; lastActivityAt: string }>;
    }>("usage", "list", "--tz", "UTC");
    expect(sessions.groupBy).toBe("session");
    expect(sessions.groups.map((group) => group.key)).toEqual([
      "session-c",
      "session-b",
      "session-a",
    ]);
    expect(sessions.groups[0]?.lastActivityAt).toBe("2026-11-21T12:00:00.000Z");
    const text = await run("usage", "list", "--tz", "UTC", "--limit", "2");
    expect(text.stdout).toMatchSnapshot();
  });
});

describe("export, clear and import", () => {
  for (const format of ["jsonl", "json"] as const) {
    it(`round-trips ${format} losslessly`, async () => {
      const before = await runJson("usage", "show", "--tz", "UTC", "--by", "session");
      const exported = await run(
        "usage",
        "export",
        "--format",
        format,
        "--output",
        `all.${format}`,
      );
      expect(exported.code).toBe(0);
      expect((await run("usage", "clear", "--all", "--yes")).code).toBe(0);
      const empty = await runJson("usage", "show", "--tz", "UTC");
      expect(empty.totals.totalRequests).toBe(0);
      const imported = await run("usage", "import", `all.${format}`, "--keep-costs");
      expect(imported.stdout).toContain(`Imported ${SEED_EVENTS.length} events`);
      expect(await runJson("usage", "show", "--tz", "UTC", "--by", "session")).toEqual(before);
      // Every field comes back, not just the summed ones.
      const again = await run("usage", "export", "--format", "jsonl");
      const events = again.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as UsageEvent);
      // (Importing the seed normalized it once: totalTokens was derived where it was missing.)
      expect(events).toEqual(SEED_EVENTS.map((event) => normalizeUsageEvent(event).event));
    });
  }

  it("skips events already in the ledger when a file is imported twice", async () => {
    const result = await run("usage", "import", "seed.jsonl");
    expect(result.stdout).toContain(`Imported 0 events`);
    expect(result.stdout).toContain(`${SEED_EVENTS.length} already there`);
    expect((await runJson("usage", "show")).totals.totalRequests).toBe(SEED_EVENTS.length);
  });

  it("writes CSV that a spreadsheet cannot run as formulas", async () => {
    const result = await run("usage", "export", "--format", "csv");
    const lines = result.stdout.trim().split("\r\n");
    expect(lines).toHaveLength(SEED_EVENTS.length + 1);
    expect(lines[0]?.startsWith("id,timestamp,kind,")).toBe(true);
    // evt-08's user is "-bob": a cell starting with "-" is prefixed with a quote.
    expect(lines.find((line) => line.startsWith("evt-08"))).toContain(",'-bob,");
    for (const line of lines) expect(line).not.toMatch(/(^|,)[=+\-@]/);
  });

  it("reports every bad line by number and imports nothing", async () => {
    const lines = [
      JSON.stringify({ ...SEED_EVENTS[0], id: "new-1" }),
      JSON.stringify({ ...SEED_EVENTS[0], id: "new-2", inputTokens: -5 }),
      "",
      "{not json",
      JSON.stringify({ ...SEED_EVENTS[0], id: "new-3", promptText: "secret" }),
      JSON.stringify({ ...SEED_EVENTS[0], id: "new-4" }),
    ];
    writeFileSync(join(cwd, "bad.jsonl"), `${lines.join("\n")}\n`);
    const result = await run("usage", "import", "bad.jsonl");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("has 3 invalid events; nothing was imported");
    expect(result.stderr).toMatch(/line 2: inputTokens: expected a non-negative finite number/);
    expect(result.stderr).toMatch(/line 4: not valid JSON/);
    expect(result.stderr).toMatch(/line 5: promptText: not a usage event field/);
    expect(result.stderr).toContain("--skip-invalid");
    expect(result.stderr).not.toContain("    at ");
    expect((await runJson("usage", "show")).totals.totalRequests).toBe(SEED_EVENTS.length);

    const skipping = await run("usage", "import", "bad.jsonl", "--skip-invalid");
    expect(skipping.code).toBe(0);
    expect(skipping.stdout).toContain("Imported 2 events");
    expect((await runJson("usage", "show")).totals.totalRequests).toBe(SEED_EVENTS.length + 2);
  });

  it("sends events to an OTLP collector as spans and log records", async () => {
    const received: Record<string, unknown[]> = { "/v1/traces": [], "/v1/logs": [] };
    const collector = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      request.on("end", () => {
        received[request.url ?? ""]?.push(JSON.parse(body));
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const { port } = collector.address() as AddressInfo;
    try {
      const result = await run(
        "usage",
        "export",
        "--format",
        "otlp",
        "--protocol",
        "http/json",
        "--endpoint",
        `http://127.0.0.1:${port}`,
        "--tenant",
        "globex",
      );
      expect(result.stderr).toContain("Sent 3 events");
      expect(result.code).toBe(0);
      type Spans = {
        resourceSpans: Array<{
          scopeSpans: Array<{
            spans: Array<{
              attributes: Array<{ key: string; value: { intValue?: string | number } }>;
            }>;
          }>;
        }>;
      };
      const spans = (received["/v1/traces"] as Spans[]).flatMap((request) =>
        request.resourceSpans.flatMap((resource) =>
          resource.scopeSpans.flatMap((scope) => scope.spans),
        ),
      );
      const globex = SEED_EVENTS.filter((event) => event.tenantId === "globex");
      expect(spans).toHaveLength(globex.length);
      const inputTokens = spans.map((span) =>
        Number(
          span.attributes.find((attribute) => attribute.key === "gen_ai.usage.input_tokens")?.value
            .intValue,
        ),
      );
      expect(inputTokens.sort()).toEqual(globex.map((event) => event.inputTokens).sort());
      expect(received["/v1/logs"]?.length).toBeGreaterThan(0);
    } finally {
      collector.close();
    }
  });

  it("sends events over OTLP/gRPC with --protocol grpc", async () => {
    const collector = await startOtlpGrpcReceiver();
    try {
      const result = await run(
        "usage",
        "export",
        "--format",
        "otlp",
        "--protocol",
        "grpc",
        "--endpoint",
        collector.url,
        "--tenant",
        "globex",
      );
      expect(result.stderr).toContain("over OTLP (grpc)");
      expect(result.code).toBe(0);
      const spans = collector.requests
        .filter((request) => request.signal === "traces")
        .flatMap((request) => spansOf(request.body));
      expect(spans).toHaveLength(SEED_EVENTS.filter((event) => event.tenantId === "globex").length);
      expect(collector.requests.some((request) => request.signal === "logs")).toBe(true);
    } finally {
      await collector.close();
    }
  });

  it("needs an endpoint for otlp and reports an unreachable collector clearly", async () => {
    const missing = await run("usage", "export", "--format", "otlp");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--endpoint");
    const refused = await run(
      "usage",
      "export",
      "--format",
      "otlp",
      "--endpoint",
      "http://127.0.0.1:9",
      "--protocol",
      "http/json",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("0 events were sent before the failure");
    expect(refused.stderr).not.toContain("    at ");
  });

  it("needs --yes to clear when not on a terminal, and deletes by date", async () => {
    const refused = await run("usage", "clear", "--before", "2026-11-20");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("pass --yes");
    expect((await runJson("usage", "show")).totals.totalRequests).toBe(SEED_EVENTS.length);
    const cleared = await run("usage", "clear", "--before", "2026-11-20", "--tz", "UTC", "--yes");
    expect(cleared.code).toBe(0);
    const older = SEED_EVENTS.filter((event) => event.timestamp < "2026-11-20");
    expect(cleared.stdout).toContain(`Deleted ${older.length} events`);
    expect((await runJson("usage", "show")).totals.totalRequests).toBe(
      SEED_EVENTS.length - older.length,
    );
  });
});

describe("usage config", () => {
  it("sets a validated value, reads it back and names its source", async () => {
    const set = await run("usage", "config", "set", "timeZone", "Europe/Paris");
    expect(set.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, ".llmeter", "config.json"), "utf8"))).toEqual({
      timeZone: "Europe/Paris",
    });
    expect((await run("usage", "config", "get", "timeZone")).stdout).toBe("Europe/Paris\n");
    const shown = await runJson<{ settings: Record<string, { value: unknown; source: string }> }>(
      "usage",
      "config",
      "show",
    );
    expect(shown.settings.timeZone).toMatchObject({ value: "Europe/Paris", source: "file" });
    expect(shown.settings.maxHistory).toMatchObject({ value: 10_000, source: "default" });
    // The setting is used: days are now Paris days.
    expect((await runJson("usage", "show")).timeZone).toBe("Europe/Paris");

    const fromEnv = await runBinary(["usage", "config", "show"], {
      cwd,
      env: { LLMETER_MAX_HISTORY: "500" },
    });
    expect(fromEnv.stdout).toMatch(/│ maxHistory\s+│ 500\s+│ env\s+│ LLMETER_MAX_HISTORY/);
  });

  it("masks the secrets settings can hold: a database password, OTLP headers", async () => {
    const env = {
      LLMETER_DB: "postgres://reader:s3cret-pw@db.internal:5432/usage",
      LLMETER_OTEL: JSON.stringify({
        endpoint: "http://collector:4318",
        headers: { authorization: "Bearer tok-123" },
      }),
    };
    const table = await runBinary(["usage", "config", "show"], { cwd, env });
    const json = await runBinary(["usage", "config", "show", "--json"], { cwd, env });
    const get = await runBinary(["usage", "config", "get", "otel"], { cwd, env });
    for (const output of [table.stdout, json.stdout, get.stdout]) {
      expect(output).not.toContain("s3cret-pw");
      expect(output).not.toContain("tok-123");
    }
    const settings = JSON.parse(json.stdout).settings;
    expect(settings.db.value).toBe("postgres://reader:***@db.internal:5432/usage");
    expect(settings.otel.value).toMatchObject({
      endpoint: "http://collector:4318",
      headers: { authorization: "***" },
    });
  });

  it("rejects a bad value with the reason and leaves the file alone", async () => {
    await run("usage", "config", "set", "maxHistory", "5000");
    const bad = await run("usage", "config", "set", "maxHistory", "lots");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid value for maxHistory: expected a whole number");
    expect(JSON.parse(readFileSync(join(cwd, ".llmeter", "config.json"), "utf8"))).toEqual({
      maxHistory: 5000,
    });
    const unknown = await run("usage", "config", "get", "colour");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown setting "colour"');
  });
});

describe("errors and exit codes", () => {
  it("exits 2 with a clear message for a bad time zone, without a stack trace", async () => {
    const result = await run("usage", "show", "--tz", "Mars/Olympus");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown time zone "Mars/Olympus"');
    expect(result.stderr).not.toContain("    at ");
  });

  it("exits 2 for an unknown command or option, 1 for a missing ledger", async () => {
    expect((await run("usage", "shw")).code).toBe(2);
    expect((await run("usage", "show", "--colour")).code).toBe(2);
    const missing = await run("usage", "show", "--db", "nowhere.db");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No ledger at");
  });

  it("has --help on every command", async () => {
    for (const command of [
      ["usage", "show"],
      ["usage", "import"],
      ["report", "weekly"],
      ["usage", "config", "set"],
    ]) {
      const result = await run(...command, "--help");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: llmeter ${command.join(" ")}`);
    }
  });
});
