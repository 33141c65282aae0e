// `llmeter prices update|diff` against a loopback server serving excerpts of the real
// genai-prices data.json and LiteLLM model_prices_and_context_window.json.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { CATALOG_VERSION } from "../../src/pricing/catalog/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "../cli/cli-harness.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/update/${name}`, import.meta.url), "utf8");
const GENAI = fixture("genai-prices-data.json");
const LITELLM = fixture("litellm-prices.json");

// Path → body; "/slow" never answers.
const routes = new Map<string, string>();
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/slow") return;
    const body = routes.get(request.url ?? "");
    if (body === undefined) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function project() {
  return mkdtempSync(join(tmpdir(), "llmeter-prices-update-"));
}

function urls(genai = "/genai.json", litellm = "/litellm.json"): string[] {
  return ["--url", `genai-prices=${base}${genai}`, "--url", `litellm=${base}${litellm}`];
}

function prices(cwd: string, args: string[]) {
  return runInProcess(["prices", ...args], { cwd, env: {} });
}

// A call to a Bedrock model the bundled catalog does not price (LiteLLM has it).
async function recordJamba(cwd: string): Promise<UsageEvent | undefined> {
  const events: UsageEvent[] = [];
  const meter = createMeter({
    configContext: { env: {}, cwd },
    diagnostics: () => {},
    sinks: [(event) => void events.push(event)],
  });
  meter.recordLlm({
    provider: "bedrock",
    model: "ai21.jamba-1-5-mini-v1:0",
    inputTokens: 1000,
    outputTokens: 100,
    timestamp: "2026-12-01T00:00:00Z",
  });
  await meter.flush();
  return events[0];
}

async function updated(): Promise<string> {
  routes.set("/genai.json", GENAI);
  routes.set("/litellm.json", LITELLM);
  const cwd = project();
  const result = await prices(cwd, ["update", ...urls()]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return cwd;
}

describe("llmeter prices update", () => {
  it("makes a new model priced without a release, from the file under .llmeter/", async () => {
    const cwd = project();
    expect((await recordJamba(cwd))?.costUsd).toBeUndefined();
    routes.set("/genai.json", GENAI);
    routes.set("/litellm.json", LITELLM);
    const result = await prices(cwd, ["update", ...urls()]);
    expect(result.code).toBe(0);
    const path = join(cwd, ".llmeter", "prices-catalog.json");
    expect(result.stdout).toContain(path);
    const stored = JSON.parse(readFileSync(path, "utf8"));
    expect(stored).toMatchObject({
      schemaVersion: 1,
      fetchedAt: "2026-11-22T12:00:00.000Z",
      sources: [
        { format: "genai-prices", url: `${base}/genai.json`, models: 4 },
        { format: "litellm", url: `${base}/litellm.json`, models: 2 },
      ],
    });
    expect(stored.version).toMatch(/^fetched-2026-11-22\+[0-9a-f]{12}$/);
    const event = await recordJamba(cwd);
    // 1,000 × $0.2/1M + 100 × $0.4/1M (LiteLLM's 2e-07 and 4e-07 per token).
    expect(event).toMatchObject({
      costUsd: 0.00024,
      priceSource: "imported",
      priceEntryId: "bedrock/ai21.jamba-1-5-mini-v1:0",
    });
    // The event names the fetch it was priced from.
    expect(event?.catalogVersion).toBe(`${CATALOG_VERSION}+${stored.version}`);
    const shown = await prices(cwd, ["show", "ai21.jamba-1-5-mini-v1:0", "--provider", "bedrock"]);
    expect(shown.stdout).toContain("imported layer");
  });

  it("ranks custom prices above the fetched catalog", async () => {
    const cwd = await updated();
    writeFileSync(
      join(cwd, "my-prices.json"),
      JSON.stringify({
        prices: [
          {
            provider: "bedrock",
            model: "ai21.jamba-1-5-mini-v1:0",
            prices: { input: 1, output: 1 },
            source: "negotiated rate",
          },
        ],
      }),
    );
    const cost = await prices(cwd, [
      "--prices",
      "my-prices.json",
      "cost",
      "ai21.jamba-1-5-mini-v1:0",
      "--provider",
      "bedrock",
      "--input",
      "1000000",
      "--output",
      "0",
      "--json",
    ]);
    expect(cost.stderr).toBe("");
    expect(JSON.parse(cost.stdout)).toMatchObject({ costUsd: 1 });
  });

  const failures: Array<[string, () => string[], RegExp]> = [
    [
      "a truncated file",
      () => {
        routes.set("/cut.json", GENAI.slice(0, Math.floor(GENAI.length / 2)));
        return [...urls("/cut.json"), "--timeout", "5000"];
      },
      /^llmeter: prices not updated: http:\/\/127\.0\.0\.1:\d+\/cut\.json is not complete JSON .*cut off\. Nothing was changed; try again later\.$/,
    ],
    [
      "a wrong schema (LiteLLM's file where genai-prices' is expected)",
      () => urls("/litellm.json"),
      /^llmeter: prices not updated: http:\/\/127\.0\.0\.1:\d+\/litellm\.json is not a genai-prices catalog: expected an array of providers.*Nothing was changed; check --url\.$/,
    ],
    [
      "a timeout",
      () => [...urls("/slow"), "--timeout", "300"],
      /^llmeter: prices not updated: http:\/\/127\.0\.0\.1:\d+\/slow did not answer within 300 ms\. Nothing was changed; try again, or raise --timeout\.$/,
    ],
  ];
  for (const [what, args, message] of failures) {
    it(`keeps the previous catalog on ${what}, with one clear message`, async () => {
      const cwd = await updated();
      const path = join(cwd, ".llmeter", "prices-catalog.json");
      const before = readFileSync(path, "utf8");
      const result = await prices(cwd, ["update", ...args()]);
      expect(result.code).not.toBe(0);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(readFileSync(path, "utf8")).toBe(before);
      expect((await recordJamba(cwd))?.costUsd).toBe(0.00024);
    });
  }

  it("writes nothing on a failure when no catalog was fetched before", async () => {
    const cwd = project();
    const result = await prices(cwd, ["update", ...urls("/missing.json")]);
    expect(result.stderr).toMatch(/missing\.json answered HTTP 404/);
    expect(existsSync(join(cwd, ".llmeter"))).toBe(false);
  });
});

describe("llmeter prices diff", () => {
  it("lists added models against the bundled catalog, writing nothing", async () => {
    routes.set("/genai.json", GENAI);
    routes.set("/litellm.json", LITELLM);
    const cwd = project();
    const result = await prices(cwd, ["diff", ...urls()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "+ bedrock/ai21.jamba-1-5-mini-v1:0  input 0.2  output 0.4 per 1M",
    );
    expect(result.stdout).not.toContain("+ anthropic/claude-haiku-4-5");
    expect(existsSync(join(cwd, ".llmeter"))).toBe(false);
  });

  it("shows changed prices and removed entries against the last fetch", async () => {
    const cwd = await updated();
    const path = join(cwd, ".llmeter", "prices-catalog.json");
    const before = readFileSync(path, "utf8");
    // Anthropic raises Claude Haiku 4.5's output price from $5 to $6.
    const genai = JSON.parse(GENAI);
    genai[0].models[1].prices.output_mtok = 6;
    routes.set("/genai-next.json", JSON.stringify(genai));
    const litellm = JSON.parse(LITELLM);
    delete litellm["writer.palmyra-x5-v1:0"];
    routes.set("/litellm-next.json", JSON.stringify(litellm));
    const result = await prices(cwd, [
      "diff",
      ...urls("/genai-next.json", "/litellm-next.json"),
      "--json",
    ]);
    expect(result.code).toBe(0);
    const diff = JSON.parse(result.stdout);
    expect(diff).toMatchObject({ addedCount: 0, changedCount: 1, removedCount: 1 });
    expect(diff.changed).toEqual([
      {
        id: "anthropic/claude-haiku-4-5",
        previous: "anthropic/claude-haiku-4-5",
        changes: [{ unit: "output", from: 5, to: 6 }],
      },
    ]);
    expect(diff.removed).toEqual(["bedrock/writer.palmyra-x5-v1:0"]);
    const text = await prices(cwd, ["diff", ...urls("/genai-next.json", "/litellm-next.json")]);
    expect(text.stdout).toContain("~ anthropic/claude-haiku-4-5  output 5 → 6");
    expect(text.stdout).toContain("- bedrock/writer.palmyra-x5-v1:0");
    expect(readFileSync(path, "utf8")).toBe(before);
  });
});
