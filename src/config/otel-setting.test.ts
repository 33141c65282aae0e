import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseOtelSetting, wantsOwnExport } from "./otel-setting.ts";
import { ConfigError, resolveConfig } from "./resolve-config.ts";

function projectWith(config: unknown): string {
  const cwd = mkdtempSync(join(tmpdir(), "llmeter-otel-setting-"));
  mkdirSync(join(cwd, ".llmeter"));
  writeFileSync(join(cwd, ".llmeter", "config.json"), JSON.stringify(config));
  return cwd;
}

describe("the otel setting", () => {
  it("reads booleans, export and JSON objects from the environment form", () => {
    expect(parseOtelSetting("true")).toBe(true);
    expect(parseOtelSetting(" ON ")).toBe(true);
    expect(parseOtelSetting("0")).toBe(false);
    expect(parseOtelSetting("export")).toEqual({ export: true });
    expect(parseOtelSetting('{"endpoint":"http://127.0.0.1:4317/","protocol":"grpc"}')).toEqual({
      endpoint: "http://127.0.0.1:4317",
      protocol: "grpc",
    });
    expect(parseOtelSetting("")).toBeUndefined();
  });

  it("starts llmeter's own export only with an endpoint or export: true", () => {
    expect(wantsOwnExport(true)).toBe(false);
    expect(wantsOwnExport({ logs: false })).toBe(false);
    expect(wantsOwnExport({ endpoint: "http://localhost:4318" })).toBe(true);
    expect(wantsOwnExport({ export: true })).toBe(true);
  });

  it.each([
    [
      { endpoint: "collector:4318" },
      /"endpoint": OTLP endpoint "collector:4318" is not an http\(s\) URL/,
    ],
    [
      { endpoint: "http://c:4317/v1/traces", protocol: "grpc" },
      /gRPC takes only a scheme, host and port/,
    ],
    [
      { endpoint: "http://c:4318", protocol: "thrift" },
      /"protocol" must be one of "http\/protobuf", "http\/json", "grpc"/,
    ],
    [
      { headers: { authorization: "Bearer x" } },
      /"headers" only apply to llmeter's own OTLP export; add "endpoint"/,
    ],
    [
      { export: false, endpoint: "http://c:4318" },
      /"endpoint" only apply to llmeter's own OTLP export/,
    ],
    [
      { endpoint: "http://c:4318", headers: { retries: 3 } },
      /"headers" must be an object of strings/,
    ],
    [{ spans: "yes" }, /"spans" must be true or false/],
    [
      { endpoint: "http://c:4318", metricIntervalMs: 5 },
      /"metricIntervalMs" must be a whole number/,
    ],
    [
      { endpoint: "http://c:4318", colour: "blue" },
      /unknown key "colour"; known keys: export, spans/,
    ],
    ["maybe", /expected true, false, export or a JSON object/],
    ["{endpoint:", /not valid JSON/],
    [42, /expected true, false or an object/],
  ])("refuses %j", (value, message) => {
    expect(() => parseOtelSetting(value)).toThrow(message);
  });

  it("comes from the config file, the environment and options, options winning", () => {
    const cwd = projectWith({
      otel: { endpoint: "http://collector:4318", serviceName: "billing" },
    });
    const fromFile = resolveConfig({}, { cwd, env: {} });
    expect(fromFile.values.otel).toEqual({
      endpoint: "http://collector:4318",
      serviceName: "billing",
    });
    expect(fromFile.sources.otel).toBe("file");
    const fromEnv = resolveConfig({}, { cwd, env: { LLMETER_OTEL: "false" } });
    expect(fromEnv.values.otel).toBe(false);
    expect(resolveConfig({ otel: true }, { cwd, env: { LLMETER_OTEL: "false" } }).values.otel).toBe(
      true,
    );
    expect(resolveConfig({}, { cwd: tmpdir(), env: {} }).values.otel).toBeUndefined();
  });

  it("names the source and the fix in a ConfigError", () => {
    const cwd = projectWith({ otel: { endpoint: "localhost:4318" } });
    let error: unknown;
    try {
      resolveConfig({}, { cwd, env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/config\.json: "otel": "endpoint": OTLP endpoint/);
    expect((error as Error).message).toContain("http://localhost:4318");
    expect(() => resolveConfig({}, { cwd: tmpdir(), env: { LLMETER_OTEL: "sure" } })).toThrow(
      /environment variable LLMETER_OTEL: expected true, false, export/,
    );
  });
});
