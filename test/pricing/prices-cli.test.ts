// `llmeter prices show|list|cost`, run in-process on a fresh commander program.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { CliError, CliUsageError } from "../../src/cli/cli-errors.ts";
import { registerPricesCommand } from "../../src/cli/commands/prices.ts";

function collector() {
  const stream = new PassThrough();
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    text += chunk;
  });
  return { stream, text: () => text };
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = collector();
  const stderr = collector();
  const program = new Command("llmeter").exitOverride().configureOutput({
    writeOut: (text) => stdout.stream.write(text),
    writeErr: (text) => stderr.stream.write(text),
  });
  registerPricesCommand(program, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { LLMETER_CONFIG: "none", ...env },
    cwd: process.cwd(),
  });
  let code = 0;
  let message = "";
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    message = (error as Error).message;
    code = error instanceof CliUsageError ? 2 : error instanceof CliError ? 1 : 2;
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text(), message };
}

describe("llmeter prices", () => {
  it("cost --json prints the calculateCost object", async () => {
    const result = await run([
      "prices",
      "cost",
      "claude-sonnet-4-5-20250929",
      "--input",
      "10000",
      "--cache-read",
      "5000",
      "--cache-write",
      "2000",
      "--cache-write-1h",
      "1000",
      "--output",
      "1000",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      schemaVersion: 1,
      costUsd: 0.036,
      currency: "USD",
      breakdown: { input: 0.006, cacheWrite: 0.0135, cacheRead: 0.0015, output: 0.015 },
      matched: { provider: "anthropic", entryId: "anthropic/claude-sonnet-4-5", source: "catalog" },
    });
  });

  it("cost honours --provider, --service-tier, --pages and --at", async () => {
    const batch = JSON.parse(
      (
        await run([
          "prices",
          "cost",
          "gpt-4.1",
          "--input",
          "1000000",
          "--service-tier",
          "batch",
          "--json",
        ])
      ).stdout,
    );
    expect(batch.costUsd).toBe(1);
    const ocr = JSON.parse(
      (
        await run([
          "prices",
          "cost",
          "prebuilt-read",
          "--provider",
          "azure-document-intelligence",
          "--pages",
          "1000",
          "--json",
        ])
      ).stdout,
    );
    expect(ocr.costUsd).toBe(1.5);
    const dated = JSON.parse(
      (await run(["prices", "cost", "o3", "--input", "1000000", "--at", "2025-05-01", "--json"]))
        .stdout,
    );
    expect(dated.costUsd).toBe(10);
  });

  it("cost of an unknown model: costUsd null and exit code 1", async () => {
    const result = await run(["prices", "cost", "gpt-imaginary-9", "--input", "10", "--json"]);
    expect(JSON.parse(result.stdout)).toMatchObject({ costUsd: null, matched: null });
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/no price known for "gpt-imaginary-9"/);
  });

  it("cost prints a readable table", async () => {
    const result = await run([
      "prices",
      "cost",
      "gpt-4o",
      "--input",
      "10000",
      "--cache-read",
      "4000",
      "--output",
      "500",
    ]);
    expect(result.stdout).toContain("gpt-4o → openai/gpt-4o");
    expect(result.stdout).toMatch(/total\s*│\s*\$0\.025/);
  });

  it("rejects a bad count with a usage error", async () => {
    const result = await run(["prices", "cost", "gpt-4o", "--input", "lots"]);
    expect(result.code).toBe(2);
    expect(result.message).toMatch(/--input must be a non-negative number, got "lots"/);
  });

  it("show prints the entry with tiers, source and date", async () => {
    const text = (await run(["prices", "show", "gemini-2.5-pro"])).stdout;
    expect(text).toContain("google/gemini-2.5-pro");
    expect(text).toContain("https://ai.google.dev/gemini-api/docs/pricing");
    expect(text).toContain("above 200,000 input tokens");
    const json = JSON.parse(
      (
        await run([
          "prices",
          "show",
          "us.anthropic.claude-haiku-4-5-20251001-v1:0",
          "--provider",
          "bedrock",
          "--json",
        ])
      ).stdout,
    );
    expect(json.entry.provider).toBe("bedrock");
    expect(json.entry.prices.input).toBe(1.1);
  });

  it("list --json shows at least 600 models across at least 15 providers, each sourced", async () => {
    const body = JSON.parse((await run(["prices", "list", "--json"])).stdout);
    expect(body.schemaVersion).toBe(1);
    expect(body.models).toBeGreaterThanOrEqual(600);
    expect(body.providers).toBeGreaterThanOrEqual(15);
    for (const entry of body.entries) {
      expect(entry.source).toBeTruthy();
      expect(entry.checkedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const anthropic = JSON.parse(
      (await run(["prices", "list", "--provider", "anthropic", "--json"])).stdout,
    );
    expect(
      anthropic.entries.every((entry: { provider: string }) => entry.provider === "anthropic"),
    ).toBe(true);
  });

  it("uses the price file from LLMETER_PRICES", async () => {
    const directory = mkdtempSync(join(tmpdir(), "llmeter-prices-cli-"));
    const file = join(directory, "prices.json");
    writeFileSync(
      file,
      JSON.stringify({ prices: [{ provider: "acme", model: "acme-1", prices: { input: 1 } }] }),
    );
    const body = JSON.parse(
      (
        await run(
          ["prices", "cost", "acme-1", "--provider", "acme", "--input", "1000000", "--json"],
          { LLMETER_PRICES: file },
        )
      ).stdout,
    );
    expect(body).toMatchObject({ costUsd: 1, matched: { source: "custom" } });
  });
});
