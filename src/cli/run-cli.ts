import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { environmentWarnings } from "../config/environment-warnings.ts";
import { ConfigError } from "../config/resolve-config.ts";
import { type CliContext, createProcessContext } from "./cli-context.ts";
import { CliError, CliUsageError, EXIT_ERROR, EXIT_OK, EXIT_USAGE } from "./cli-errors.ts";
import { registerAlertCommand } from "./commands/alert.ts";
import { registerBudgetCommand } from "./commands/budget.ts";
import { registerForecastCommand } from "./commands/forecast.ts";
import { registerGrafanaCommand } from "./commands/grafana.ts";
import { registerKeysCommand } from "./commands/keys.ts";
import { registerReportCommand } from "./commands/report.ts";
import { registerUsageCommand } from "./commands/usage.ts";
import { terminalContext } from "./format/terminal-output.ts";
import { openLedgerStore } from "./open-ledger-store.ts";
import { PassThroughExit } from "./pass-through-exit.ts";

function packageVersion(): string {
  const packageJson = JSON.parse(
    readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  return packageJson.version;
}

// Commands whose modules are light; the others (demo, mock-provider, prices, serve) pull in the
// meter, the pricing catalog and HTTP servers, so they are only loaded when they can be needed.
const LIGHT_COMMANDS = new Set([
  "usage",
  "report",
  "budget",
  "forecast",
  "alert",
  "keys",
  "grafana",
]);

/**
 * Builds the program writing through `context`. With `argv`, a `usage` or `report` run skips
 * loading the other commands' modules: start-up is part of every query's latency.
 */
export async function createProgram(
  context: CliContext,
  argv?: readonly string[],
): Promise<Command> {
  const program = new Command("llmeter")
    .description(
      "What your LLM, embedding and OCR calls cost, how long they take, and who made them.",
    )
    .version(packageVersion())
    .option("--debug", "show stack traces on errors")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride();
  registerUsageCommand(program, context);
  registerReportCommand(program, context);
  registerBudgetCommand(program, context);
  registerForecastCommand(program, context);
  registerAlertCommand(program, context);
  registerKeysCommand(program, context);
  registerGrafanaCommand(program, context);
  const command = argv?.find((argument) => !argument.startsWith("-"));
  if (command === undefined || !LIGHT_COMMANDS.has(command)) {
    const [demo, mockProvider, prices, serve, run, reprice, gateway] = await Promise.all([
      import("./commands/demo.ts"),
      import("./commands/mock-provider.ts"),
      import("./commands/prices.ts"),
      import("./commands/serve.ts"),
      import("./commands/run.ts"),
      import("./commands/reprice.ts"),
      import("./commands/gateway.ts"),
    ]);
    demo.registerDemoCommand(program);
    mockProvider.registerMockProviderCommand(program);
    prices.registerPricesCommand(program, context);
    serve.registerServeCommand(program, context);
    run.registerRunCommand(program, context);
    reprice.registerRepriceCommand(program, context);
    gateway.registerGatewayCommand(program, context);
  }
  return program;
}

/**
 * Runs the CLI and returns its exit code: 0 ok, 1 error, 2 bad usage. Errors a user can cause are
 * printed as one clear message, without a stack trace unless `--debug`.
 */
export async function runCli(
  argv: string[],
  processContext: CliContext = createProcessContext(openLedgerStore),
): Promise<number> {
  // Every line the CLI prints, its own error messages included, goes through this context.
  const context = terminalContext(processContext);
  const program = await createProgram(context, argv);
  const debug = argv.includes("--debug");
  // Once per run, whatever the command: a mistyped LLMETER_* variable is otherwise silently ignored.
  for (const warning of environmentWarnings(context.env))
    context.stderr.write(`llmeter: warning: ${warning.message}\n`);
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (error) {
    if (PassThroughExit.isInstance(error)) return error.exitCode;
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; everything else commander raises is bad usage.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version")
        return EXIT_OK;
      // A command group run without its subcommand prints help with exit code 1: bad usage.
      return error.code === "commander.help" && error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (debug) {
      context.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    } else {
      context.stderr.write(`llmeter: ${(error as Error).message ?? String(error)}\n`);
    }
    if (CliUsageError.isInstance(error)) return EXIT_USAGE;
    if (!debug && !ConfigError.isInstance(error) && !CliError.isInstance(error))
      context.stderr.write("(run again with --debug for details)\n");
    return EXIT_ERROR;
  }
}
