import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { aggregateEvents } from "../../src/stats/aggregate-events.ts";
import type { UsageReport } from "../../src/stats/usage-stats.ts";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { sampleEvents } from "../store/sample-events.ts";
import {
  describeMissingDatabase,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

const run = promisify(execFile);
const NODE = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describe("the llmeter CLI on a PostgreSQL ledger", () => {
    const schema = newSchema("cli");
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set("schema", schema);
    const events = sampleEvents(500, { seed: 11 });
    const cwd = mkdtempSync(join(tmpdir(), "llmeter-pg-cli-"));
    const env = { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1" };

    async function cli(args: string[], extraEnv: Record<string, string> = {}) {
      return run(NODE, [CLI, ...args], { cwd, env: { ...env, ...extraEnv } });
    }

    it("answers usage show from the shared ledger with --db postgres://", async () => {
      const store = createPostgresStore({ url: url.toString() });
      await store.append(events);
      await store.close();
      const { stdout } = await cli([
        "usage",
        "show",
        "--db",
        url.toString(),
        "--by",
        "tenant",
        "--tz",
        "UTC",
        "--json",
      ]);
      const report = JSON.parse(stdout) as UsageReport;
      const expected = aggregateEvents(events, { groupBy: ["tenant"], timeZone: "UTC" });
      expect(report.totals.totalRequests).toBe(500);
      expect(report.totals.totalCostUsd).toBeCloseTo(expected.totals.totalCostUsd, 9);
      expect(report.groups.map((group) => [group.key, group.totalRequests])).toEqual(
        expected.groupsBy.tenant!.map((group) => [group.key, group.totalRequests]),
      );
    });

    it("finds the ledger through LLMETER_DB, and never prints the password on failure", async () => {
      const { stdout } = await cli(["usage", "show", "--by", "none", "--json"], {
        LLMETER_DB: url.toString(),
      });
      expect((JSON.parse(stdout) as UsageReport).totals.totalRequests).toBe(500);

      const wrong = new URL(url);
      wrong.password = "wrong-secret";
      const failure = await cli(["usage", "show", "--db", wrong.toString()]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).not.toBe(0);
      expect(failure?.stderr).toMatch(/password authentication failed/);
      expect(failure?.stderr).not.toContain("wrong-secret");
    });
  });
} else {
  describeMissingDatabase("the llmeter CLI on a PostgreSQL ledger");
}
