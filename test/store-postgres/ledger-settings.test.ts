import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLedgerStore } from "../../src/cli/open-ledger-store.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createLedger } from "../../src/store/create-ledger.ts";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import {
  describeMissingDatabase,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

const newSchema = schemasDroppedAfterAll();
const CONFLICT =
  "LLMETER_DB and LLMETER_DATABASE_URL are both set and disagree; LLMETER_DB wins and LLMETER_DATABASE_URL is ignored. Unset one of them.";

function freshLedgerUrl(prefix: string): { url: string; schema: string } {
  const schema = newSchema(prefix);
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("schema", schema);
  return { url: url.toString(), schema };
}

/** Runs the real CLI with `env`, opening the ledger it names; also returns where it opened it. */
async function cli(argv: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const opened: string[] = [];
  const result = await runInProcess(argv, {
    env,
    cwd,
    nowMs: Date.now(),
    openStore: (location) => {
      opened.push(location);
      return openLedgerStore(location);
    },
  });
  return { ...result, opened };
}

async function recordTwoCalls(env: NodeJS.ProcessEnv, cwd: string, messages: string[] = []) {
  const meter = createMeter({
    pricing: false,
    configContext: { env, cwd },
    diagnostics: (_level, message) => messages.push(message),
  });
  meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 10, costUsd: 0.01 });
  meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 20, costUsd: 0.02 });
  await meter.shutdown();
}

if (await testDatabaseAvailable()) {
  describe("one way to name the ledger", () => {
    it("LLMETER_DATABASE_URL alone sends the meter, createLedger, createPostgresStore and the CLI to PostgreSQL", async () => {
      const cwd = mkdtempSync(join(tmpdir(), "llmeter-ledger-settings-"));
      const { url, schema } = freshLedgerUrl("alias");
      const env = { LLMETER_CONFIG: "none", LLMETER_DATABASE_URL: url };
      const messages: string[] = [];
      await recordTwoCalls(env, cwd, messages);
      expect(messages).toEqual([]);
      // Not silently into a local SQLite file.
      expect(existsSync(join(cwd, ".llmeter", "usage.db"))).toBe(false);

      const ledger = await createLedger({ configContext: { env, cwd } });
      expect(ledger.location).toBe(url);
      expect((await ledger.report({ period: "all" })).totals.totalRequests).toBe(2);
      await ledger.close();

      const store = createPostgresStore({ env, cwd });
      expect(store.schema).toBe(schema);
      expect(
        (await store.aggregate({ filter: {}, groupBy: [], timeZone: "UTC" })).totals.totalRequests,
      ).toBe(2);
      await store.close();

      const shown = await cli(["usage", "show", "--period", "all", "--json"], env, cwd);
      expect(shown.stderr).toBe("");
      expect(shown.code).toBe(0);
      expect(shown.opened).toEqual([url]);
      expect(JSON.parse(shown.stdout).totals.totalRequests).toBe(2);
    });

    it("with LLMETER_DB and LLMETER_DATABASE_URL disagreeing, every entry point uses LLMETER_DB and says so once", async () => {
      const cwd = mkdtempSync(join(tmpdir(), "llmeter-ledger-settings-"));
      const { url } = freshLedgerUrl("conflict");
      const local = join(cwd, "local.db");
      const env = { LLMETER_CONFIG: "none", LLMETER_DB: local, LLMETER_DATABASE_URL: url };
      const messages: string[] = [];
      await recordTwoCalls(env, cwd, messages);
      expect(messages).toEqual([CONFLICT]);
      expect(existsSync(local)).toBe(true);

      const shown = await cli(["usage", "show", "--period", "all", "--json"], env, cwd);
      expect(shown.opened).toEqual([local]);
      expect(shown.stderr).toBe(`llmeter: warning: ${CONFLICT}\n`);
      expect(JSON.parse(shown.stdout).totals.totalRequests).toBe(2);

      const ledgerMessages: string[] = [];
      const ledger = await createLedger({
        configContext: { env, cwd },
        diagnostics: (_level, message) => ledgerMessages.push(message),
      });
      expect(ledger.location).toBe(local);
      expect(ledgerMessages).toEqual([CONFLICT]);
      await ledger.close();

      expect(() => createPostgresStore({ env, cwd })).toThrow(
        /named by environment variable LLMETER_DB, and it is a SQLite path \(LLMETER_DB and LLMETER_DATABASE_URL are both set and disagree/,
      );
    });
  });
} else {
  describeMissingDatabase("one way to name the ledger");
}
