import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { runInProcess } from "./cli-harness.ts";

const run = (argv: string[], env: NodeJS.ProcessEnv) =>
  runInProcess(argv, {
    store: createMemoryStore(),
    cwd: mkdtempSync(join(tmpdir(), "llmeter-config-off-")),
    env,
  });

describe("llmeter usage config and LLMETER_CONFIG", () => {
  it("LLMETER_CONFIG=none: no file is read, and none can be written", async () => {
    const env = { LLMETER_CONFIG: "none" };
    expect((await run(["usage", "config", "path"], env)).stdout).toBe("none\n");
    expect((await run(["usage", "config", "show"], env)).stdout).toMatch(
      /^Config file: none \(LLMETER_CONFIG=none\)/,
    );
    const set = await run(["usage", "config", "set", "maxHistory", "5"], env);
    expect(set.code).toBe(2);
    expect(set.stderr).toMatch(/LLMETER_CONFIG=none turns the config file off/);
  });

  it("a missing LLMETER_CONFIG file is an error that names it", async () => {
    const result = await run(["usage", "config", "show"], { LLMETER_CONFIG: "/missing.json" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/LLMETER_CONFIG names \/missing\.json, which does not exist/);
  });

  it("prints each unknown LLMETER_* variable once per run, with the closest name", async () => {
    const result = await run(["usage", "config", "path"], {
      LLMETER_CONFIG: "none",
      LLMETER_MAXHISTORY: "5",
    });
    expect(result.stderr).toBe(
      "llmeter: warning: unknown environment variable LLMETER_MAXHISTORY is ignored; did you mean LLMETER_MAX_HISTORY?\n",
    );
  });
});
