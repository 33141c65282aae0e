import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ledgerRows, mockAndFolder, runApp } from "../auto/auto-harness.ts";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const setup = mockAndFolder();

/** `llmeter run --json -- <command>` with the gateway's OpenAI route pointed at the mock. */
function llmeterRun(db: string, command: string[]) {
  return runApp([CLI, "run", "--json", "--", ...command], {
    MOCK_URL: setup.mock.url,
    LLMETER_DB: db,
    LLMETER_GATEWAY: JSON.stringify({
      providers: { openai: { baseUrl: setup.mock.openaiBaseUrl } },
    }),
  });
}

const chat = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });

describe("llmeter run -- <command> with its ephemeral gateway", () => {
  it("meters a non-Node program (curl) through OPENAI_BASE_URL, in the run's session", async () => {
    const db = join(setup.folder, "curl.db");
    const script = `curl -sS "$OPENAI_BASE_URL/chat/completions" -H "content-type: application/json" -H "authorization: Bearer sk-test" -d '${chat}' > /dev/null`;
    const run = await llmeterRun(db, ["sh", "-c", script]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { totals: { totalRequests: number } };
    expect(report.totals.totalRequests).toBe(1);
    const rows = ledgerRows(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: "openai", input_tokens: 4, output_tokens: 16 });
    expect(rows[0]?.session_id).toMatch(/^sh -c curl .* @ \d{4}-/);
  });

  it("a Node client under llmeter/auto that reads OPENAI_BASE_URL is recorded once, by the gateway", async () => {
    const db = join(setup.folder, "node.db");
    const run = await llmeterRun(db, [process.execPath, "env-base-url.mjs"]);
    expect(run.code).toBe(0);
    const rows = ledgerRows(db);
    expect(rows.map((row) => row.streaming)).toEqual([0, 1]);
    for (const row of rows) expect(row.output_tokens).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.session_id)).size).toBe(1);
  });
});
