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
    ).toThrow(
      /unknown setting "maxHistroy" \(did you mean "maxHistory"\?\)\. Known settings: enabled, maxHistory/,
    );
    expect(() => resolveConfig({}, { env: {}, cwd: projectWithConfig("{oops") })).toThrow(
      /not valid JSON/,
    );
  });

  it("rejects an unknown time zone", () => {
    expect(() => resolveConfig({}, { env: { LLMETER_TZ: "Nowhere/Land" }, cwd: tmpdir() })).toThrow(
      /LLMETER_TZ: unknown time zone/,
    );
  });

  it("reads a config file that starts with a UTF-8 byte order mark", () => {
    const cwd = projectWithConfig('\uFEFF{"maxHistory": 42}');
    expect(resolveConfig({}, { env: {}, cwd }).values.maxHistory).toBe(42);
  });

  it("fails when LLMETER_CONFIG names a missing file; LLMETER_CONFIG=none reads no file", () => {
    const cwd = projectWithConfig('{"maxHistory": 42}');
    expect(() => resolveConfig({}, { env: { LLMETER_CONFIG: "/missing.json" }, cwd })).toThrow(
      /LLMETER_CONFIG names \/missing\.json, which does not exist\. Fix the path, create the file/,
    );
    expect(() => resolveConfig({}, { env: { LLMETER_CONFIG: "/missing.json" }, cwd })).toThrow(
      ConfigError,
    );
    const off = resolveConfig({}, { env: { LLMETER_CONFIG: "none" }, cwd });
    expect(off.values.maxHistory).toBe(10_000);
    expect(off.filePath).toBeUndefined();
    // The default file may be absent: nobody asked for it.
    expect(resolveConfig({}, { env: {}, cwd: tmpdir() }).filePath).toBeUndefined();
  });

  it("reads the ledger from LLMETER_DATABASE_URL when LLMETER_DB is not set, below LLMETER_DB", () => {
    const cwd = projectWithConfig('{"db": "file.db"}');
    const alias = resolveConfig({}, { env: { LLMETER_DATABASE_URL: "postgres://db/app" }, cwd });
    expect(alias.values.db).toBe("postgres://db/app");
    expect(alias.sources.db).toBe("env");
    expect(alias.origins.db).toBe("environment variable LLMETER_DATABASE_URL");
    expect(alias.warnings).toEqual([]);
    const both = resolveConfig(
      {},
      { env: { LLMETER_DB: "env.db", LLMETER_DATABASE_URL: "postgres://db/app" }, cwd },
    );
    expect(both.values.db).toBe("env.db");
    expect(both.warnings).toHaveLength(1);
    expect(
      resolveConfig({ db: "option.db" }, { env: { LLMETER_DB: "env.db" }, cwd }).values.db,
    ).toBe("option.db");
  });

  it("reports unknown LLMETER_* variables as warnings, not errors", () => {
    const { warnings } = resolveConfig({}, { env: { LLMETER_MAXHISTORY: "5" }, cwd: tmpdir() });
    expect(warnings.map((warning) => warning.message)).toEqual([
      "unknown environment variable LLMETER_MAXHISTORY is ignored; did you mean LLMETER_MAX_HISTORY?",
    ]);
  });
});
