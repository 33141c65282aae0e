import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { ledgerRows } from "../auto/auto-harness.ts";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
let mock: MockProvider | undefined;

afterEach(async () => {
  await mock?.close();
});

describe("llmeter gateway", () => {
  it("serves until SIGINT, meters what passes, logs each request and exits 0", async () => {
    mock = await startMockProvider();
    const folder = mkdtempSync(join(tmpdir(), "llmeter-gateway-cli-"));
    const db = join(folder, "usage.db");
    const environment = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("LLMETER_")),
    );
    const child = spawn(
      process.execPath,
      [
        CLI,
        "gateway",
        "--port",
        "0",
        "--db",
        db,
        "--openai-base-url",
        mock.openaiBaseUrl,
        "--access-log",
        "--no-dashboard",
      ],
      { cwd: folder, env: environment, stdio: "pipe" },
    );
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // The start-up text ends with the base URL variables; the line before them says the keys' mode.
    while (!/GOOGLE_GEMINI_BASE_URL=\S+\n/.test(stdout)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const url = /llmeter gateway on (http:\/\/\S+) /.exec(stdout)?.[1];
    expect(stdout).toContain("pass-through: clients send their own provider keys");
    expect(stdout).toContain(`OPENAI_BASE_URL=${url}/openai/v1`);
    const response = await fetch(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer sk-cli-test-key-0123456789",
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { usage: { prompt_tokens: number } };
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const logLine = stdout.split("\n").find((line) => line.startsWith("{"));
    expect(JSON.parse(logLine ?? "{}")).toMatchObject({
      method: "POST",
      path: "/openai/v1/chat/completions",
      provider: "openai",
      status: 200,
    });
    expect(stdout).not.toContain("sk-cli-test-key");
    const rows = ledgerRows(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: "openai", input_tokens: answer.usage.prompt_tokens });
  });

  it("with keys from llmeter keys create: a virtual key gets the environment's provider key, and --allow-pass-through keeps own keys working", async () => {
    mock = await startMockProvider();
    const folder = mkdtempSync(join(tmpdir(), "llmeter-gateway-cli-keys-"));
    const db = join(folder, "usage.db");
    const providerKey = "sk-proj-gatewayHeldKEY0123456789abcdef";
    const environment = {
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !name.startsWith("LLMETER_") && !name.endsWith("_API_KEY"),
        ),
      ),
      OPENAI_API_KEY: providerKey,
    };
    const created = JSON.parse(
      execFileSync(
        process.execPath,
        [CLI, "keys", "create", "--tenant", "acme", "--db", db, "--json"],
        { cwd: folder, env: environment, encoding: "utf8" },
      ),
    ) as { key: { id: string }; secret: string };
    const child = spawn(
      process.execPath,
      [
        CLI,
        "gateway",
        "--port",
        "0",
        "--db",
        db,
        "--openai-base-url",
        mock.openaiBaseUrl,
        "--access-log",
        "--no-dashboard",
        "--allow-pass-through",
      ],
      { cwd: folder, env: environment, stdio: "pipe" },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    while (!/GOOGLE_GEMINI_BASE_URL=\S+\n/.test(output)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const url = /llmeter gateway on (http:\/\/\S+) /.exec(output)?.[1];
    expect(output).toContain(
      "virtual keys: 1 active; clients' own provider keys are also forwarded (--allow-pass-through)",
    );
    const call = (credential: string) =>
      fetch(`${url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
      });
    expect((await call(created.secret)).status).toBe(200);
    expect((await call("sk-client-own-key-0123456789")).status).toBe(200);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
    expect(mock.requests.map((request) => request.credential?.sha256)).toEqual([
      sha256(providerKey),
      sha256("sk-client-own-key-0123456789"),
    ]);
    expect(output).toContain(`"virtualKey":"${created.key.id}"`);
    for (const secret of [providerKey, created.secret, "sk-client-own-key"])
      expect(output).not.toContain(secret);
  });
});
