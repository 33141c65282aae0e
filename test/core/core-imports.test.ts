import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
// Type-only imports (`import type`, `export type`) are erased at run time and load nothing.
const IMPORT_PATTERN =
  /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every module reachable from `entry` through static and dynamic imports, and the packages they name. */
function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(IMPORT_PATTERN)) {
      const specifier = (match[1] ?? match[2])!;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

describe("the core package", () => {
  it("imports no provider SDK, LangChain, AI SDK, OpenTelemetry or pg", () => {
    const { packages } = importGraph("src/index.ts");
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const external = [...packages].filter(
      (name) => !builtins.has(name) && !name.startsWith("node:"),
    );
    const forbidden =
      /^(openai|@anthropic-ai\/|@google\/genai|@langchain\/|langchain|ai$|@ai-sdk\/|@opentelemetry\/|pg$|postgres$)/;
    expect(external.filter((name) => forbidden.test(name))).toEqual([]);
  });
});
