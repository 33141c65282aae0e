// `llmeter mock-provider`: parses its flags, starts the server with them, prints the URLs, serves
// until stopped, and rejects bad flags with a message naming the flag.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { Command, CommanderError } from "commander";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { CliUsageError } from "../../src/cli/cli-errors.ts";
import { registerMockProviderCommand } from "../../src/cli/commands/mock-provider.ts";
import type { MockProvider } from "../../src/testing/index.ts";

function collectingOutput() {
  let text = "";
  return {
    output: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      once: () => undefined,
    },
    text: () => text,
  };
}

/** Runs the command in-process; `whileRunning` gets the live provider, then the command stops. */
async function run(args: string[], whileRunning: (provider: MockProvider) => Promise<void>) {
  const stdout = collectingOutput();
  const stderr = collectingOutput();
  const program = new Command("llmeter")
    .exitOverride()
    .configureOutput({ writeOut: stdout.output.write, writeErr: stderr.output.write });
  registerMockProviderCommand(program, { stdout: stdout.output, waitForStop: whileRunning });
  await program.parseAsync(["mock-provider", ...args], { from: "user" });
  return { stdout: stdout.text(), stderr: stderr.text() };
}

describe("llmeter mock-provider", () => {
  it("prints the base URLs and serves with the options given as flags", async () => {
    let usage: OpenAI.CompletionUsage | undefined;
    let provider: MockProvider | undefined;
    const { stdout } = await run(
      ["--port", "0", "--reply-words", "3", "--chunks", "2", "--cached-share", "1"],
      async (running) => {
        provider = running;
        const client = new OpenAI({
          baseURL: running.openaiBaseUrl,
          apiKey: "test",
          maxRetries: 0,
        });
        const completion = await client.chat.completions.create({
          model: "gpt-4o",
          messages: [{ role: "user", content: "hello" }],
        });
        usage = completion.usage;
      },
    );
    expect(stdout).toContain(`listening on ${provider?.url}`);
    expect(stdout).toContain(`baseURL: "${provider?.openaiBaseUrl}"`);
    expect(usage?.completion_tokens).toBe(3);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(usage?.prompt_tokens);
  });

  it("prints one JSON line with --json and injects --fail on the first --fail-times requests", async () => {
    let statuses: number[] = [];
    const { stdout } = await run(
      ["--port", "0", "--json", "--fail", "429", "--fail-times", "2"],
      async (running) => {
        const call = () =>
          fetch(`${running.openaiBaseUrl}/chat/completions`, {
            method: "POST",
            body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
          });
        statuses = [(await call()).status, (await call()).status, (await call()).status];
      },
    );
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ schemaVersion: 1 });
    expect(printed.openaiBaseUrl).toBe(`${printed.url}/v1`);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it("maps Azure deployments given with --deployment", async () => {
    let model = "";
    await run(
      ["--port", "0", "--deployment", "prod=gpt-4o-2024-11-20", "--deployment", "b=c"],
      async (running) => {
        const response = await fetch(`${running.url}/openai/deployments/prod/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ messages: [{ role: "user", content: "x" }] }),
        });
        model = ((await response.json()) as { model: string }).model;
      },
    );
    expect(model).toBe("gpt-4o-2024-11-20");
  });

  it("reports each call's cost as xAI does with --report-cost xai:3:15", async () => {
    let usage:
      | { prompt_tokens: number; completion_tokens: number; cost_in_usd_ticks: number }
      | undefined;
    await run(["--port", "0", "--report-cost", "xai:3:15"], async (running) => {
      const response = await fetch(`${running.openaiBaseUrl}/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "grok-3", messages: [{ role: "user", content: "x" }] }),
      });
      usage = ((await response.json()) as { usage: typeof usage }).usage;
    });
    expect(usage?.cost_in_usd_ticks).toBe(
      Math.round(((usage!.prompt_tokens * 3 + usage!.completion_tokens * 15) / 1e6) * 1e10),
    );
  });

  it.each([
    [["--report-cost", "xai:3"], /--report-cost.*xai\|openrouter/],
    [["--report-cost", "openai:3:15"], /--report-cost.*xai\|openrouter/],
    [["--deployment", "nomodel"], /--deployment.*name=model/],
    [["--latency", "-5"], /--latency.*-5.*milliseconds/],
    [["--cached-share", "2"], /--cached-share.*share from 0 to 1/],
    [["--fail", "418"], /--fail.*418.*broken-stream/],
    [["--chunks", "0"], /--chunks.*whole number >= 1/],
  ])("rejects %j naming the flag", async (args, message) => {
    const error = await run(args, async () => {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).message).toMatch(message);
  });

  it("refuses --fail-times without --fail", async () => {
    const error = await run(["--port", "0", "--fail-times", "2"], async () => {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CliUsageError);
    expect((error as Error).message).toMatch(/--fail-times needs --fail/);
  });

  it("runs in the foreground until SIGTERM, then exits cleanly", async () => {
    const script = [
      'import { Command } from "commander";',
      'import { registerMockProviderCommand } from "./src/cli/commands/mock-provider.ts";',
      'const program = new Command("llmeter");',
      "registerMockProviderCommand(program);",
      "await program.parseAsync(process.argv.slice(1), { from: 'user' });",
    ].join("\n");
    const child = spawn(
      "node_modules/.bin/node",
      ["--input-type=module", "-e", script, "mock-provider", "--port", "0", "--json"],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] },
    );
    const [line] = (await once(child.stdout, "data")) as [Buffer];
    const { url } = JSON.parse(line.toString()) as { url: string };
    const response = await fetch(`${url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "text-embedding-3-small", input: "hi", dimensions: 4 }),
    });
    expect(response.status).toBe(200);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
