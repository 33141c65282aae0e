import type { Command } from "commander";
import type { CliContext } from "../cli-context.ts";
import { registerUsageClearCommand } from "./usage-clear.ts";
import { registerUsageConfigCommand } from "./usage-config.ts";
import { registerUsageExportCommand } from "./usage-export.ts";
import { registerUsageImportCommand } from "./usage-import.ts";
import { registerUsageListCommand } from "./usage-list.ts";
import { registerUsageShowCommand } from "./usage-show.ts";

/** `llmeter usage show|list|export|import|clear|config`. */
export function registerUsageCommand(program: Command, context: CliContext): void {
  const usage = program
    .command("usage")
    .description("query, export, import and clear the usage ledger; show settings");
  registerUsageShowCommand(usage, context);
  registerUsageListCommand(usage, context);
  registerUsageExportCommand(usage, context);
  registerUsageImportCommand(usage, context);
  registerUsageClearCommand(usage, context);
  registerUsageConfigCommand(usage, context);
}
