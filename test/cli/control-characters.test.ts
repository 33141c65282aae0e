// Terminal escape injection: names in the ledger (a tenant, a model) and arguments (a model to
// price) that hold control sequences are printed escaped, in tables, warnings and errors, piped or
// on a terminal, with colour or without.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import { runInProcess } from "./cli-harness.ts";

const ESC = String.fromCharCode(0x1b);
const BEL = String.fromCharCode(0x07);
const CSI = String.fromCharCode(0x9b);
// Retitles the window, clears the screen, then a C1 CSI (one byte that starts a sequence too).
const HOSTILE_TENANT = `acme${ESC}]0;pwned${BEL}${ESC}[2J`;
const HOSTILE_MODEL = `gpt-4o${CSI}31mred`;

/** Any control character but tab and newline, checked by code point (no regex shared with the code). */
function hasRawControl(text: string): boolean {
  return [...text].some((character) => {
    const code = character.charCodeAt(0);
    return (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  });
}

let store: UsageStore;
let cwd: string;

beforeEach(async () => {
  store = createMemoryStore();
  await store.append([
    {
      id: "0190a1b2-0000-7000-8000-000000000001",
      timestamp: "2026-12-01T10:00:00.000Z",
      kind: "llm",
      operation: "chat",
      provider: "openai",
      model: HOSTILE_MODEL,
      tenantId: HOSTILE_TENANT,
      success: false,
      errorType: `Auth${ESC}[8m${CSI}Error`,
      inputTokens: 100,
      outputTokens: 20,
      totalTokens: 120,
      costUsd: 0.00002,
      priceSource: "catalog",
    },
  ]);
  cwd = mkdtempSync(join(tmpdir(), "llmeter-cli-controls-"));
  writeFileSync(join(cwd, "ledger.db"), "");
});

const show = ["usage", "show", "--db", "ledger.db", "--tz", "UTC", "--period", "all"];

describe("control characters in terminal output", () => {
  it("are escaped in piped tables with NO_COLOR", async () => {
    for (const groupBy of ["tenant", "model"]) {
      const result = await runInProcess([...show, "--by", groupBy], {
        store,
        cwd,
        env: { NO_COLOR: "1" },
      });
      expect(result.code).toBe(0);
      expect(hasRawControl(result.stdout)).toBe(false);
      expect(result.stdout).toContain(
        groupBy === "tenant" ? "acme\\u001b]0;pwned\\u0007" : "gpt-4o\\u009b31mred",
      );
    }
  });

  it("are escaped on a colour terminal, where only the CLI's own styles remain", async () => {
    const result = await runInProcess([...show, "--by", "tenant"], {
      store,
      cwd,
      tty: true,
      columns: 160,
      env: { FORCE_COLOR: "1" },
    });
    expect(result.stdout).toContain(`${ESC}[1m`);
    expect(result.stdout).toContain("acme\\u001b]0;pwned\\u0007\\u001b[2J");
    expect(result.stdout).not.toContain(`${ESC}]`);
    expect(result.stdout).not.toContain(`${ESC}[2J`);
    // The injected conceal style (ESC[8m) is not one of ours: escaped too.
    expect(result.stdout).not.toContain(`${ESC}[8m`);
  });

  it("are escaped in --json output, which stays the same JSON", async () => {
    const result = await runInProcess(
      ["usage", "list", "--db", "ledger.db", "--period", "all", "--json"],
      {
        store,
        cwd,
      },
    );
    expect(hasRawControl(result.stdout)).toBe(false);
    // Escaped the way JSON escapes: parsed, the document holds the original text.
    const parsed = JSON.parse(result.stdout) as { errorsByType: Record<string, number> };
    expect(Object.keys(parsed.errorsByType)).toEqual([`Auth${ESC}[8m${CSI}Error`]);
  });

  it("are escaped in errors and warnings on stderr", async () => {
    const result = await runInProcess(["prices", "show", HOSTILE_TENANT], { store, cwd, env: {} });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("no price known");
    expect(result.stderr).toContain("acme\\u001b]0;pwned\\u0007\\u001b[2J");
    expect(hasRawControl(result.stderr)).toBe(false);
  });
});
