import { resolve } from "node:path";
import type { Command } from "commander";
import { grafanaDashboardJson } from "../../grafana/llmeter-dashboard.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { writeFileAtomically } from "../transfer/atomic-file.ts";

interface DashboardFlags {
  output?: string;
  prefix?: string;
}

/** `llmeter grafana dashboard`: prints the Grafana dashboard for llmeter's Prometheus metrics. */
export function registerGrafanaCommand(program: Command, context: CliContext): void {
  const grafana = program
    .command("grafana")
    .description("Grafana: the dashboard for llmeter's Prometheus metrics (docs/grafana.md)");
  grafana
    .command("dashboard")
    .description(
      "print the Grafana dashboard JSON (the file shipped as grafana/llmeter-dashboard.json)",
    )
    .option("--output <file>", "write to this file (atomically) instead of stdout")
    .option(
      "--prefix <prefix>",
      "metric name prefix given to createPrometheusExporter({ prefix }) (default llmeter_)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter grafana dashboard > llmeter-dashboard.json\n  llmeter grafana dashboard --output dashboards/llmeter.json --prefix myapp_llm_",
    )
    .action(async (flags: DashboardFlags) => {
      let json: string;
      try {
        json = grafanaDashboardJson({ prefix: flags.prefix });
      } catch (error) {
        throw new CliUsageError(`--prefix: ${(error as Error).message}`);
      }
      if (flags.output === undefined) {
        await writeOut(context.stdout, json);
        return;
      }
      const path = resolve(context.cwd, flags.output);
      await writeFileAtomically(path, (output) => writeOut(output, json));
      context.stderr.write(`llmeter: wrote the Grafana dashboard to ${path}\n`);
    });
}
