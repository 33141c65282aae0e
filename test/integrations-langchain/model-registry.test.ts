import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelRegistry, ModelRegistryError } from "../../src/integrations/langchain/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { createRecordingFetch, type RecordingFetch } from "./server-usage.ts";
import { createTestMeter, type TestMeter, testCost } from "./test-meter.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");

let mock: MockProvider;
let server: RecordingFetch;
let metered: TestMeter;

beforeAll(async () => {
  mock = await startMockProvider({ chunks: 4 });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  server = createRecordingFetch();
  metered = createTestMeter();
});

function registry() {
  return createModelRegistry({
    telemetry: { meter: metered.meter },
    models: {
      fast: {
        provider: "openai",
        model: "gpt-4o-mini",
        apiKey: "test-key",
        baseUrl: mock.openaiBaseUrl,
        configuration: { fetch: server.fetch },
      },
      smart: {
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        apiKey: "test-key",
        baseUrl: mock.anthropicBaseUrl,
        clientOptions: { fetch: server.fetch },
      },
    },
  });
}

describe("createModelRegistry", () => {
  it("hands out tracked models and sums their usage and cost", async () => {
    const models = registry();
    const fast = await models.getLlm("fast");
    const smart = await models.getLlm("smart");
    await fast.invoke("Hello");
    for await (const _chunk of await smart.stream("Hello, streamed")) {
      // consume
    }
    const reported = await server.settled();
    const events = await metered.events();
    const summary = models.getTelemetry().getUsageSummary();

    const input = reported.reduce((sum, usage) => sum + (usage.inputTokens ?? 0), 0);
    const output = reported.reduce((sum, usage) => sum + (usage.outputTokens ?? 0), 0);
    expect(reported).toHaveLength(2);
    expect(summary).toMatchObject({
      requests: 2,
      failedRequests: 0,
      inputTokens: input,
      outputTokens: output,
      totalTokens: input + output,
      unpricedRequests: 0,
    });
    expect(summary.costUsd).toBeCloseTo(testCost(input, output), 12);
    expect(models.getTelemetry().getTotalCost()).toBe(summary.costUsd);
    expect(Object.keys(summary.byModel).sort()).toEqual(["claude-sonnet-4-5", "gpt-4o-mini"]);
    expect(events.map((event) => event.attributes?.["llmeter.registry_model"]).sort()).toEqual([
      "fast",
      "smart",
    ]);
  });

  it("builds inline configurations", async () => {
    const models = registry();
    const llm = await models.getLlm({
      provider: "openai",
      model: "gpt-4.1-mini",
      apiKey: "test-key",
      baseUrl: mock.openaiBaseUrl,
    });
    await llm.invoke("Hi");
    expect(models.getTelemetry().getStats().byModel["gpt-4.1-mini"]?.totalRequests).toBe(1);
  });

  it("with telemetry off attaches nothing and counts nothing", async () => {
    const models = createModelRegistry({
      telemetry: false,
      models: {
        fast: {
          provider: "openai",
          model: "gpt-4o-mini",
          apiKey: "k",
          baseUrl: mock.openaiBaseUrl,
        },
      },
    });
    const llm = await models.getLlm("fast");
    const answer = await llm.invoke("Hi");

    expect(answer.content).not.toBe("");
    expect(llm.callbacks).toBeUndefined();
    expect(models.getTelemetry().enabled).toBe(false);
    expect(models.getTelemetry().getUsageSummary()).toMatchObject({ requests: 0, costUsd: 0 });
  });

  it("says which id is unknown and which are configured", async () => {
    await expect(registry().getLlm("huge")).rejects.toThrow(ModelRegistryError);
    await expect(registry().getLlm("huge")).rejects.toThrow(/no model "huge".*fast, smart/);
  });

  it("rejects a configuration without a provider or model when it is created", () => {
    expect(() => createModelRegistry({ models: { broken: { provider: "", model: "x" } } })).toThrow(
      /models\.broken: "provider" must be a non-empty string/,
    );
  });

  it("runs the README example as written", async () => {
    const markdown = await readFile(join(ROOT, "docs/langchain.md"), "utf8");
    const match = /<!-- example: registry -->\s*```ts\n([\s\S]*?)```/.exec(markdown);
    expect(match).not.toBeNull();
    const source = match![1]!.replace(
      '"llmeter/langchain"',
      JSON.stringify(join(ROOT, "src/integrations/langchain/index.ts")),
    );
    const directory = await mkdtemp(join(tmpdir(), "llmeter-readme-"));
    try {
      const file = join(directory, "example.ts");
      await writeFile(file, source);
      const { stdout } = await run(join(ROOT, "node_modules/.bin/node"), [file], {
        cwd: directory,
        env: {
          PATH: process.env.PATH ?? "",
          OPENAI_BASE_URL: mock.openaiBaseUrl,
          OPENAI_API_KEY: "test-key",
        },
      });
      expect(stdout).toMatch(/requests: 1/);
      const cost = /Total cost: \$(\d+\.\d+)/.exec(stdout);
      expect(Number(cost?.[1])).toBeGreaterThan(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
