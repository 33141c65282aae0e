import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUTO_ENTRY, ledgerRows, mockAndFolder, runApp } from "./auto-harness.ts";

// The mock's deterministic reply to "Say hello": 6 prompt tokens, 16 completion tokens, for each provider.
const EXPECTED_CALLS = [
  { provider: "openai", model: "gpt-4o-mini", streaming: 0 },
  { provider: "openai", model: "gpt-4o-mini", streaming: 1 },
  { provider: "anthropic", model: "claude-3-5-haiku-latest", streaming: 0 },
  { provider: "anthropic", model: "claude-3-5-haiku-latest", streaming: 1 },
  { provider: "google", model: "gemini-2.0-flash", streaming: 0 },
  { provider: "google", model: "gemini-2.0-flash", streaming: 1 },
].map((call) => ({ ...call, input_tokens: 6, output_tokens: 16 }));

const setup = mockAndFolder();

describe.each([
  { system: "ESM", app: "sdk-calls.mjs", flag: "--import" },
  { system: "CommonJS", app: "sdk-calls.cjs", flag: "--require" },
])("llmeter/auto in a $system app ($flag)", ({ app, flag, system }) => {
  it("records each plain and streamed call once with the provider's usage, and leaves the output alone", async () => {
    const db = join(setup.folder, `${system}.db`);
    const plain = await runApp([app], { MOCK_URL: setup.mock.url, LLMETER_DB: db });
    const metered = await runApp([flag, AUTO_ENTRY, app], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
    });
    expect(metered.stderr).toBe("");
    expect(metered.code).toBe(0);
    expect(metered.stdout).toBe(plain.stdout);
    const rows = ledgerRows(db).map(({ tenant_id, session_id, ...call }) => call);
    expect(rows).toEqual(EXPECTED_CALLS);
    // The non-streamed totals the application saw are the ones recorded.
    expect(plain.stdout).toContain("openai This is");
    expect(plain.stdout).toMatch(/^gemini .* 22$/m);
  });

  it("through NODE_OPTIONS too", async () => {
    const db = join(setup.folder, `${system}-node-options.db`);
    const run = await runApp([app], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
      NODE_OPTIONS: `${flag}=${AUTO_ENTRY}`,
    });
    expect(run.code).toBe(0);
    expect(ledgerRows(db)).toHaveLength(EXPECTED_CALLS.length);
  });
});

describe("llmeter/auto under node -e (NODE_OPTIONS reaches those too)", () => {
  it.each(["--import", "--require"])(
    "%s: the eval code runs and its require()d client is recorded",
    async (flag) => {
      const db = join(setup.folder, `eval${flag}.db`);
      const code = `const { OpenAI } = require("openai");
new OpenAI({ apiKey: "test", baseURL: process.env.MOCK_URL + "/v1" }).chat.completions
  .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] })
  .then((chat) => console.log(chat.usage.total_tokens));`;
      const run = await runApp([flag, AUTO_ENTRY, "-e", code], {
        MOCK_URL: setup.mock.url,
        LLMETER_DB: db,
      });
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("22\n");
      expect(ledgerRows(db).map((row) => [row.input_tokens, row.output_tokens])).toEqual([[6, 16]]);
    },
  );
});

describe("llmeter/auto never records a call twice", () => {
  it("a client the application also wraps with instrumentOpenAI gives one event", async () => {
    const db = join(setup.folder, "explicit.db");
    const run = await runApp(["--import", AUTO_ENTRY, "explicit-instrument.mjs"], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
    });
    expect(run.stderr).toBe("");
    expect(ledgerRows(db)).toHaveLength(1);
  });

  it("a LangChain ChatOpenAI call gives one event", async () => {
    const db = join(setup.folder, "langchain.db");
    const run = await runApp(["--import", AUTO_ENTRY, "langchain-chat.mjs"], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("22");
    expect(ledgerRows(db).map((row) => [row.model, row.input_tokens, row.output_tokens])).toEqual([
      ["gpt-4o-mini", 6, 16],
    ]);
  });

  it("loaded twice (NODE_OPTIONS and --import), it still records once", async () => {
    const db = join(setup.folder, "twice.db");
    await runApp(["--import", AUTO_ENTRY, "explicit-instrument.mjs"], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
      NODE_OPTIONS: `--require=${AUTO_ENTRY}`,
    });
    expect(ledgerRows(db)).toHaveLength(1);
  });
});

describe("opting a client out", () => {
  it("a client built inside withoutAutoInstrumentation is not recorded; the next one is", async () => {
    const db = join(setup.folder, "opt-out.db");
    const run = await runApp(["--import", AUTO_ENTRY, "opt-out.mjs"], {
      MOCK_URL: setup.mock.url,
      LLMETER_DB: db,
    });
    expect(run.stderr).toBe("");
    expect(ledgerRows(db).map((row) => row.model)).toEqual(["gpt-4o-mini"]);
  });
});

describe("LLMETER_ENABLED=false", () => {
  it("patches nothing and loads no hook module", async () => {
    const run = await runApp(["--require", AUTO_ENTRY, "disabled-check.cjs"], {
      LLMETER_ENABLED: "false",
    });
    expect(JSON.parse(run.stdout)).toEqual({
      hookModulesLoaded: [],
      autoState: null,
      createPatched: false,
    });
  });

  it("the same check sees the patch when enabled (so the check can fail)", async () => {
    const db = join(setup.folder, "enabled-check.db");
    const run = await runApp(["--require", AUTO_ENTRY, "disabled-check.cjs"], { LLMETER_DB: db });
    const seen = JSON.parse(run.stdout);
    expect(seen.createPatched).toBe(true);
    expect(seen.hookModulesLoaded.length).toBeGreaterThan(0);
    expect(seen.autoState.patchedModules).toEqual(["openai"]);
  });
});
