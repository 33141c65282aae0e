// The PostgreSQL ledger writes with COPY through `pg-copy-streams`, an optional peer dependency.
// Without it, reading still works and a write fails with a message that says what to install,
// and stores nothing. Run in a child Node process whose resolver hides the package
// (module.registerHooks), as if it were not installed.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  describeMissingDatabase,
  runSql,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");

const HIDE_COPY_STREAMS = `
import { registerHooks } from "node:module";
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "pg-copy-streams") {
      const error = new Error(\`Cannot find package '\${specifier}' imported from \${context.parentURL}\`);
      error.code = "ERR_MODULE_NOT_FOUND";
      throw error;
    }
    return nextResolve(specifier, context);
  },
});
`;

function application(schema: string): string {
  const store = pathToFileURL(join(ROOT, "src/store/postgres/index.ts")).href;
  return `
import { createPostgresStore } from ${JSON.stringify(store)};
const store = createPostgresStore({ url: ${JSON.stringify(TEST_DATABASE_URL)}, schema: ${JSON.stringify(schema)} });
const event = {
  id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  timestamp: new Date().toISOString(),
  kind: "llm",
  operation: "chat",
  provider: "openai",
  model: "gpt-4o",
  success: true,
  inputTokens: 10,
  outputTokens: 2,
  totalTokens: 12,
};
let message = "";
try {
  await store.append([event]);
} catch (error) {
  message = error.message;
}
const totals = (await store.aggregate({ filter: {} })).totals;
await store.close();
console.log(JSON.stringify({ message, requests: totals.totalRequests }));
`;
}

const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describe("PostgreSQL ledger without pg-copy-streams", () => {
    it("refuses a write with what to install, stores nothing, and still reads", async () => {
      const schema = newSchema("copy_missing");
      const directory = mkdtempSync(join(tmpdir(), "llmeter-no-copy-streams-"));
      writeFileSync(join(directory, "hide.mjs"), HIDE_COPY_STREAMS);
      writeFileSync(join(directory, "application.mts"), application(schema));
      const { stdout } = await promisify(execFile)(
        NODE,
        ["--import", pathToFileURL(join(directory, "hide.mjs")).href, "application.mts"],
        { cwd: directory, env: { ...process.env, NODE_OPTIONS: "" } },
      );
      const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
        message: string;
        requests: number;
      };
      expect(result.message).toContain('needs the "pg-copy-streams" package');
      expect(result.message).toContain("npm install pg-copy-streams");
      expect(result.requests).toBe(0);
      const [row] = await runSql<{ count: string }>(
        `SELECT count(*) AS count FROM ${schema}.events`,
      );
      expect(Number(row?.count)).toBe(0);
    });
  });
} else {
  describeMissingDatabase("PostgreSQL ledger without pg-copy-streams");
}
