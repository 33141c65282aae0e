// Every model id the installed provider SDKs name in their model unions must resolve to a price,
// or be listed with a reason in docs/pricing-differences.json ("uncovered"). Same for the Gemini
// and embedding models the providers' current docs list.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPriceBook } from "../../src/pricing/price-book.ts";

const require = createRequire(import.meta.url);
const differences = JSON.parse(
  readFileSync(new URL("../../docs/pricing-differences.json", import.meta.url), "utf8"),
) as { uncovered: Array<{ provider: string; model: string; reason: string }> };

// The packages' own directories (found from their main entry: not every package exports package.json).
function packageFile(packageName: string, path: string): string {
  let directory = dirname(require.resolve(packageName));
  while (!directory.endsWith(join("node_modules", packageName))) directory = dirname(directory);
  return readFileSync(join(directory, path), "utf8");
}

/** The string literals of `export type <name> = 'a' | 'b' | ...;` in a .d.ts file. */
function unionMembers(source: string, typeName: string): string[] {
  const match = new RegExp(`export type ${typeName} =([^;]+);`).exec(source);
  if (match === null) throw new Error(`type ${typeName} not found`);
  return [...(match[1] ?? "").matchAll(/'([^']+)'/g)].map((literal) => literal[1] ?? "");
}

const openaiShared = packageFile("openai", "resources/shared.d.ts");
const openaiEmbeddings = packageFile("openai", "resources/embeddings.d.ts");
const anthropicMessages = packageFile("@anthropic-ai/sdk", "resources/messages/messages.d.ts");

const SDK_MODELS: Array<{ provider: string; models: string[] }> = [
  {
    provider: "openai",
    models: [
      ...unionMembers(openaiShared, "ChatModel"),
      ...unionMembers(openaiShared, "ResponsesModel"),
      ...unionMembers(openaiEmbeddings, "EmbeddingModel"),
    ],
  },
  { provider: "anthropic", models: unionMembers(anthropicMessages, "Model") },
  {
    // Gemini API models (https://ai.google.dev/gemini-api/docs/models) and embedding models.
    provider: "google",
    models: [
      "gemini-2.5-pro",
      "gemini-2.5-flash",
      "gemini-2.5-flash-lite",
      "gemini-2.0-flash",
      "gemini-2.0-flash-lite",
      "gemini-3-pro-preview",
      "gemini-3-flash-preview",
      "gemini-embedding-001",
    ],
  },
];

describe("model-union coverage", () => {
  const book = createPriceBook({ diagnostics: () => {} });
  const listed = new Map(
    differences.uncovered.map((item) => [`${item.provider}/${item.model}`, item.reason]),
  );

  it("finds the SDK unions", () => {
    expect(SDK_MODELS[0]?.models.length).toBeGreaterThan(50);
    expect(SDK_MODELS[1]?.models.length).toBeGreaterThan(10);
  });

  for (const { provider, models } of SDK_MODELS) {
    it(`prices every ${provider} model id or explains why not`, () => {
      const missing: string[] = [];
      for (const model of new Set(models)) {
        const priced =
          book.calculateCost({ inputTokens: 1000, outputTokens: 100 }, { provider, model }) !==
          null;
        const key = `${provider}/${model}`;
        if (priced)
          expect(listed.has(key), `${key} is priced now: remove it from "uncovered"`).toBe(false);
        else if (!listed.has(key)) missing.push(key);
      }
      expect(missing).toEqual([]);
    });
  }
});
