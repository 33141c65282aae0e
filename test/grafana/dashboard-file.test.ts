// The shipped Grafana dashboard: the file in the package is what the generator builds, the CLI
// prints it byte for byte, and it has the shape Grafana's classic JSON model needs to import.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DashboardPanel } from "../../src/grafana/dashboard-model.ts";
import {
  createGrafanaDashboard,
  type GrafanaDashboard,
  grafanaDashboardJson,
} from "../../src/grafana/llmeter-dashboard.ts";
import { runInProcess } from "../cli/cli-harness.ts";

const shippedPath = join(import.meta.dirname, "..", "..", "grafana", "llmeter-dashboard.json");
const shipped = readFileSync(shippedPath, "utf8");
const work = mkdtempSync(join(tmpdir(), "llmeter-grafana-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PANEL_TYPES = new Set(["row", "timeseries", "stat", "bargauge", "state-timeline"]);
const GRAFANA_BUILT_INS = new Set(["__range", "__rate_interval", "__interval"]);

describe("the shipped Grafana dashboard", () => {
  it("is what createGrafanaDashboard builds (run node scripts/write-grafana-dashboard.ts)", () => {
    expect(shipped).toBe(grafanaDashboardJson());
  });

  it("is listed in the package's files", () => {
    const manifest = JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"),
    ) as { files: string[] };
    expect(manifest.files).toContain("grafana");
  });

  it("has the shape Grafana imports: schema version, laid-out panels, unique ids", () => {
    const dashboard = JSON.parse(shipped) as GrafanaDashboard;
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).not.toBe("");
    expect(dashboard.id).toBeNull();
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(PANEL_TYPES.has(panel.type), `${panel.title}: ${panel.type}`).toBe(true);
      expect(Number.isInteger(panel.id) && panel.id > 0).toBe(true);
      const { x, y, w, h } = panel.gridPos;
      for (const value of [x, y, w, h]) expect(Number.isInteger(value)).toBe(true);
      expect(w).toBeGreaterThan(0);
      expect(h).toBeGreaterThan(0);
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      // No two panels cover the same grid cell.
      for (let column = x; column < x + w; column++)
        for (let line = y; line < y + h; line++) {
          const cell = `${column},${line}`;
          expect(taken.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          taken.add(cell);
        }
    }
  });

  it("sends every query through the DS_PROMETHEUS data source variable", () => {
    const dashboard = JSON.parse(shipped) as GrafanaDashboard;
    const datasource = dashboard.templating.list.find((variable) => variable.type === "datasource");
    expect(datasource).toMatchObject({ name: "DS_PROMETHEUS", query: "prometheus" });
    // The literal text ${DS_PROMETHEUS}, spelled so that it does not read as a template placeholder.
    const reference = { type: "prometheus", uid: ["$", "{DS_PROMETHEUS}"].join("") };
    const visual = dashboard.panels.filter((panel) => panel.type !== "row");
    expect(visual.length).toBeGreaterThan(10);
    for (const panel of visual) {
      expect(panel.datasource, panel.title).toEqual(reference);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets ?? []) expect(target.datasource).toEqual(reference);
    }
    for (const variable of dashboard.templating.list.filter((item) => item.type === "query"))
      expect(variable.datasource).toEqual(reference);
  });

  it("uses only variables it defines or Grafana provides", () => {
    const dashboard = JSON.parse(shipped) as GrafanaDashboard;
    const defined = new Set(dashboard.templating.list.map((variable) => String(variable.name)));
    const expressions = dashboard.panels.flatMap((panel: DashboardPanel) =>
      (panel.targets ?? []).map((target) => target.expr),
    );
    for (const expr of expressions)
      for (const [, name] of expr.matchAll(/\$\{?(\w+)/g))
        expect(
          defined.has(name as string) || GRAFANA_BUILT_INS.has(name as string),
          `${name} in ${expr}`,
        ).toBe(true);
  });
});

describe("llmeter grafana dashboard", () => {
  it("prints the shipped file, valid JSON, byte for byte", async () => {
    const printed = await runInProcess(["grafana", "dashboard"], { cwd: work });
    expect(printed.code).toBe(0);
    expect(printed.stderr).toBe("");
    expect(printed.stdout).toBe(shipped);
    expect(JSON.parse(printed.stdout)).toEqual(createGrafanaDashboard());
  });

  it("writes it to --output", async () => {
    const written = await runInProcess(["grafana", "dashboard", "--output", "out/llmeter.json"], {
      cwd: work,
    });
    expect(written.code).toBe(0);
    expect(written.stdout).toBe("");
    expect(readFileSync(join(work, "out", "llmeter.json"), "utf8")).toBe(shipped);
  });

  it("renames every metric with --prefix", async () => {
    const printed = await runInProcess(["grafana", "dashboard", "--prefix", "myapp_llm_"], {
      cwd: work,
    });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain("llmeter_");
    expect(printed.stdout).toContain("myapp_llm_cost_usd_total");
  });

  it("refuses a prefix that is no metric name, writing nothing", async () => {
    const refused = await runInProcess(
      ["grafana", "dashboard", "--prefix", "my-app", "--output", "bad.json"],
      { cwd: work },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('prefix "my-app" is not a Prometheus metric name prefix');
    expect(existsSync(join(work, "bad.json"))).toBe(false);
  });
});
