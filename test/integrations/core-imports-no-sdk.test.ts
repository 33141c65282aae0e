import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SDKS = ["openai", "@anthropic-ai/sdk", "@google/genai"];

// `import x from "y"`, `import { x } from "y"`, `export { x } from "y"`, `import "y"`, `import("y")`:
// every form that loads a module at run time. `import type` / `export type` load nothing.
const RUNTIME_IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^"'`;]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every package a module loads at run time, following relative imports from `entry`. */
function runtimePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(RUNTIME_IMPORT)) {
      const specifier = match[1] ?? match[2];
      if (specifier === undefined) continue;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return packages;
}

describe("optional peers", () => {
  it("the core entry point loads none of the provider SDKs", () => {
    const loaded = [...runtimePackages(resolve(root, "src/index.ts"))];
    // The walk did reach the core's modules (they use Node built-ins such as async_hooks).
    expect(loaded.some((name) => name.startsWith("node:"))).toBe(true);
    for (const sdk of SDKS) {
      expect(loaded.filter((name) => name === sdk || name.startsWith(`${sdk}/`))).toEqual([]);
    }
  });

  it("the SDK integrations themselves only need their SDK's types", () => {
    for (const entry of ["openai", "anthropic", "google"]) {
      const loaded = [...runtimePackages(resolve(root, `src/integrations/${entry}/index.ts`))];
      for (const sdk of SDKS) expect(loaded).not.toContain(sdk);
    }
  });

  it("the detector sees a runtime import (so the checks above can fail)", () => {
    const sample = 'import OpenAI from "openai";\nimport type { X } from "@google/genai";\n';
    const found = [...sample.matchAll(RUNTIME_IMPORT)].map((match) => match[1]);
    expect(found).toEqual(["openai"]);
  });

  it("declares each SDK as an optional peer dependency", () => {
    const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      dependencies?: Record<string, string>;
    };
    for (const sdk of SDKS) {
      expect(manifest.peerDependencies?.[sdk]).toBeDefined();
      expect(manifest.peerDependenciesMeta?.[sdk]?.optional).toBe(true);
      expect(manifest.dependencies?.[sdk]).toBeUndefined();
    }
  });
});
