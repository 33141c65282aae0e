import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "./resolve-config.ts";

function projectWithConfig(content: string): string {
  const directory = mkdtempSync(join(tmpdir(), "llmeter-config-"));
  mkdirSync(join(directory, ".llmeter"));
  writeFileSync(join(directory, ".llmeter", "config.json"), content);
  return directory;
}

describe("resolveConfig", () => {
  it("uses defaults when nothing is set", () => {
    const { values, sources } = resolveConfig({}, { env: {}, cwd: tmpdir() });
    expect(values.enabled).toBe(true);
    expect(values.maxHistory).toBe(10_000);
    expect(sources.maxHistory).toBe("default");
  });

  it("applies options over environment over file over defaults", () => {
    const cwd = projectWithConfig('{"maxHistory": 50, "db": "file.db", "syncWrites": true}');
    const { values, sources, filePath } = resolveConfig(
      { maxHistory: 7 },
      { env: { LLMETER_MAX_HISTORY: "20", LLMETER_DB: "env.db" }, cwd },
    );
    expect(filePath).toBe(join(cwd, ".llmeter", "config.json"));
    expect(values).toMatchObject({ maxHistory: 7, db: "env.db", syncWrites: true });
    expect(sources).toMatchObject({ maxHistory: "option", db: "env", syncWrites: "file" });
  });

  it("names the file and the setting for a bad file value", () => {
    const cwd = projectWithConfig('{"maxHistory": -3}');
    expect(() => resolveConfig({}, { env: {}, cwd })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { env: {}, cwd })).toThrow(
      /config\.json: "maxHistory": expected a whole number from 0/,
    );
  });

  it("rejects unknown settings and invalid JSON with the way to fix them", () => {
    expect(() =>
      resolveConfig({}, { env: {}, cwd: projectWithConfig('{"maxHistroy": 5}') }),
    ).toThrow(/unknown setting "maxHistroy". Known settings: enabled, maxHistory/);
    expect(() => resolveConfig({}, { env: {}, cwd: projectWithConfig("{oops") })).toThrow(
      /not valid JSON/,
    );
  });

  it("rejects an unknown time zone", () => {
    expect(() => resolveConfig({}, { env: { LLMETER_TZ: "Nowhere/Land" }, cwd: tmpdir() })).toThrow(
      /LLMETER_TZ: unknown time zone/,
    );
  });
});
