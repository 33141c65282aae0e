// Writes grafana/llmeter-dashboard.json, the dashboard shipped in the package, from
// src/grafana/llmeter-dashboard.ts. test/grafana/dashboard-file.test.ts fails while the two differ.
// Run: node scripts/write-grafana-dashboard.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { grafanaDashboardJson } from "../src/grafana/llmeter-dashboard.ts";

const directory = join(import.meta.dirname, "..", "grafana");
mkdirSync(directory, { recursive: true });
const path = join(directory, "llmeter-dashboard.json");
writeFileSync(path, grafanaDashboardJson());
console.log(`wrote ${path}`);
