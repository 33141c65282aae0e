import { describe, expect, it } from "vitest";
import { commandMissing, isCi, requireService, type ServiceStatus } from "./require-service.ts";

const missing: ServiceStatus = {
  service: "Prometheus",
  missing: commandMissing("/nonexistent/prometheus", ["--version"]),
  install: "sudo bash .ci/setup/prometheus.sh, or set LLMETER_PROMETHEUS_BIN",
};

describe("requireService", () => {
  it("fails under CI, naming the service and the command that installs it", () => {
    expect(() => requireService(missing, { CI: "true" }, () => {})).toThrow(
      /Prometheus is not available .*\/nonexistent\/prometheus.*sudo bash \.ci\/setup\/prometheus\.sh.*npm run test:all/,
    );
  });

  it("outside CI, skips with a warning that carries the same advice", () => {
    const warnings: string[] = [];
    expect(requireService(missing, {}, (message) => warnings.push(message))).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/SKIPPING the Prometheus tests/);
    expect(warnings[0]).toContain("sudo bash .ci/setup/prometheus.sh");
  });

  it("lets the tests run, quietly, when the service is there", () => {
    const warnings: string[] = [];
    const present = { ...missing, missing: commandMissing(process.execPath, ["--version"]) };
    expect(requireService(present, { CI: "true" }, (message) => warnings.push(message))).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("reads CI the way CI services set it", () => {
    expect(isCi({ CI: "true" })).toBe(true);
    expect(isCi({ CI: "1" })).toBe(true);
    expect(isCi({ CI: "false" })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
