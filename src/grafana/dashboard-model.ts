// The few shapes of Grafana's classic dashboard JSON model that llmeter's dashboard uses
// (https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/,
// checked 2026-12-07), and a layout that places panels left to right, row by row.

/** The name of the dashboard's data source variable; every panel's queries go through it. */
export const DATASOURCE_VARIABLE = "DS_PROMETHEUS";

/** Where a panel or a variable sends its queries: the data source the variable selects. */
export const PROMETHEUS_DATASOURCE = {
  type: "prometheus",
  uid: `\${${DATASOURCE_VARIABLE}}`,
} as const;

/** One PromQL query of a panel. */
export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  /** Instant queries (a single value per series, for stat and bar gauge panels) or a range. */
  instant: boolean;
  range: boolean;
  datasource: typeof PROMETHEUS_DATASOURCE;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** What a panel's fields show: unit, colours, value mappings, thresholds. */
export interface FieldDefaults {
  unit: string;
  color: { mode: "palette-classic" | "thresholds" };
  mappings: ValueMapping[];
  thresholds: { mode: "absolute"; steps: Array<{ value: number | null; color: string }> };
  min?: number;
}

/** Value to text and colour (`type: "value"`), as the state timelines use. */
export interface ValueMapping {
  type: "value";
  options: Record<string, { text: string; color: string; index: number }>;
}

/** A visualization panel (timeseries, stat, bargauge, state-timeline) or a row heading. */
export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  description?: string;
  datasource?: typeof PROMETHEUS_DATASOURCE;
  targets?: DashboardTarget[];
  fieldConfig?: { defaults: FieldDefaults; overrides: never[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: DashboardPanel[];
}

/** A panel before layout: what it shows and how wide (of 24 columns) and tall it is. */
export interface PanelSpec {
  type: "timeseries" | "stat" | "bargauge" | "state-timeline";
  title: string;
  description: string;
  width: number;
  height?: number;
  unit: string;
  /** Queries as `[expr, legendFormat]`; refIds A, B, C... follow their order. */
  queries: ReadonlyArray<readonly [expr: string, legend: string]>;
  /** Grafana value mappings (state names for numeric codes). */
  mappings?: ValueMapping[];
  /** Threshold steps as `[value, color]`; the first is the base (value null). */
  thresholds?: ReadonlyArray<readonly [value: number | null, color: string]>;
  min?: number;
}

/** A titled group of panels. */
export interface RowSpec {
  title: string;
  panels: readonly PanelSpec[];
}

const GRID_COLUMNS = 24;
const DEFAULT_HEIGHT = 8;

/** Lays rows and their panels out on Grafana's 24-column grid and numbers them from 1. */
export function layoutPanels(rows: readonly RowSpec[]): DashboardPanel[] {
  const panels: DashboardPanel[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: id++,
      type: "row",
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of row.panels) {
      const height = spec.height ?? DEFAULT_HEIGHT;
      if (x + spec.width > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(toPanel(spec, id++, { x, y, w: spec.width, h: height }));
      x += spec.width;
      rowHeight = Math.max(rowHeight, height);
    }
    y += rowHeight;
  }
  return panels;
}

function toPanel(spec: PanelSpec, id: number, gridPos: GridPos): DashboardPanel {
  // Stat and bar gauge panels show one number per series: an instant query is enough.
  const instant = spec.type === "stat" || spec.type === "bargauge";
  const defaults: FieldDefaults = {
    unit: spec.unit,
    color: { mode: spec.thresholds === undefined ? "palette-classic" : "thresholds" },
    mappings: spec.mappings ?? [],
    thresholds: {
      mode: "absolute",
      steps: (spec.thresholds ?? [[null, "green"]]).map(([value, color]) => ({ value, color })),
    },
  };
  if (spec.min !== undefined) defaults.min = spec.min;
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos,
    datasource: PROMETHEUS_DATASOURCE,
    targets: spec.queries.map(([expr, legendFormat], index) => ({
      refId: String.fromCharCode(65 + index),
      expr,
      legendFormat,
      instant,
      range: !instant,
      datasource: PROMETHEUS_DATASOURCE,
    })),
    fieldConfig: { defaults, overrides: [] },
    options: panelOptions(spec.type),
  };
}

function panelOptions(type: PanelSpec["type"]): Record<string, unknown> {
  const reduce = { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } };
  switch (type) {
    case "timeseries":
      return {
        legend: {
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
          calcs: ["mean", "max"],
        },
        tooltip: { mode: "multi", sort: "desc" },
      };
    case "stat":
      return { ...reduce, colorMode: "value", graphMode: "none", textMode: "auto" };
    case "bargauge":
      return { ...reduce, displayMode: "gradient", orientation: "horizontal", showUnfilled: true };
    case "state-timeline":
      return { showValue: "auto", mergeValues: true, rowHeight: 0.9, legend: { showLegend: true } };
  }
}
