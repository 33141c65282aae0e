// `otel: true` in an application where @opentelemetry/api is not installed: one diagnostic says
// what to install, and the meter keeps recording. Run in a child Node process whose resolver
// hides the OpenTelemetry packages (module.registerHooks), as if they were absent.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");

const HIDE_OPENTELEMETRY = `
import { registerHooks } from "node:module";
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith("@opentelemetry/")) {
      const error = new Error(\`Cannot find package '\${specifier}' imported from \${context.parentURL}\`);
      error.code = "ERR_MODULE_NOT_FOUND";
      throw error;
    }
    return nextResolve(specifier, context);
  },
});
`;

const APPLICATION = `
import { createMeter } from ${JSON.stringify(pathToFileURL(join(ROOT, "src/meter/create-meter.ts")).href)};
const diagnostics = [];
const meter = createMeter({
  store: false,
  otel: true,
  diagnostics: (level, message) => diagnostics.push({ level, message }),
});
const answer = meter.track({ provider: "openai", model: "gpt-4o" }, (tracker) => {
  tracker.setTokens({ inputTokens: 12, outputTokens: 3 });
  return "answer";
});
meter.recordLlm({ provider: "openai", model: "gpt-4o-mini", inputTokens: 5 });
await meter.flush();
const stats = meter.getStats();
await meter.shutdown();
console.log(JSON.stringify({ answer, requests: stats.totalRequests, tokens: stats.totalInputTokens, diagnostics }));
`;

describe("otel: true without @opentelemetry/api installed", () => {
  it("reports once what to install and keeps recording", async () => {
    const directory = mkdtempSync(join(tmpdir(), "llmeter-no-otel-"));
    writeFileSync(join(directory, "hide-opentelemetry.mjs"), HIDE_OPENTELEMETRY);
    writeFileSync(join(directory, "application.mts"), APPLICATION);
    const { stdout } = await promisify(execFile)(
      NODE,
      [
        "--import",
        pathToFileURL(join(directory, "hide-opentelemetry.mjs")).href,
        "application.mts",
      ],
      { cwd: directory, env: { ...process.env, LLMETER_OTEL: "", NODE_OPTIONS: "" } },
    );
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      answer: string;
      requests: number;
      tokens: number;
      diagnostics: Array<{ level: string; message: string }>;
    };
    expect(result.answer).toBe("answer");
    expect(result.requests).toBe(2);
    expect(result.tokens).toBe(17);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]?.level).toBe("error");
    expect(result.diagnostics[0]?.message).toContain(
      "the package @opentelemetry/api is not installed: install it with `npm install @opentelemetry/api`",
    );
    expect(result.diagnostics[0]?.message).toContain("2 call(s) recorded meanwhile have none");
  });
});
