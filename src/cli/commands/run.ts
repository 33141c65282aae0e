import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ledgerLocationOf } from "../../config/ledger-location.ts";
import { redactSecrets } from "../../usage/redact-secrets.ts";
import { buildUsageReport } from "../build-usage-report.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";
import { formatUsageReport } from "../format/usage-report-text.ts";
import { withLedger } from "../open-ledger.ts";
import { PassThroughExit } from "../pass-through-exit.ts";
import { ledgerLocation, resolveQuery } from "../usage-query.ts";

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The llmeter/auto entry beside this CLI (src/ when run from source, dist/ when built). */
function autoEntry(): string {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return fileURLToPath(new URL(`../../auto/register${extension}`, import.meta.url));
}

/** NODE_OPTIONS with llmeter/auto added: every Node process the command starts inherits it. */
export function withAutoImport(nodeOptions: string | undefined, entry: string): string {
  const flag = `--import=${JSON.stringify(entry)}`;
  return nodeOptions === undefined || nodeOptions.trim() === "" ? flag : `${nodeOptions} ${flag}`;
}

/** The exit code a shell reports: the child's own, or 128 + the signal that killed it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
}

function runChild(command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { stdio: "inherit", env, cwd });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  return new Promise((resolve) => {
    child.on("error", (error) => {
      process.stderr.write(`llmeter run: cannot start ${file}: ${error.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => resolve(exitCodeOf(code, signal)));
  }).finally(() => {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }) as Promise<number>;
}

/** `llmeter run -- <command...>`: runs a command under llmeter/auto and reports what it cost. */
export function registerRunCommand(program: Command, context: CliContext): void {
  program
    .command("run")
    .description(
      "run a command with every Node process it starts metered (and its other SDKs through an ephemeral gateway), then print its usage",
    )
    .argument("<command...>", "the command and its arguments (after --)")
    .option("--db <path>", "ledger location (default: the db setting)")
    .option("--json", "print the report as JSON (the same shape as usage show --json)")
    .option(
      "--no-gateway",
      "do not start the gateway that meters the command's non-Node SDKs (Python, curl, ...)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter run -- node batch.js\n  llmeter run --json -- npm start",
    )
    .action(async (command: string[], flags: { db?: string; json?: boolean; gateway: boolean }) => {
      const startedAt = new Date(context.now()).toISOString();
      // The session names the command, and a command line can carry a key (`--api-key sk-...`).
      const session = `${redactSecrets(command.join(" "))} @ ${startedAt}`;
      const gateway = flags.gateway
        ? await startRunGateway(
            ledgerLocationOf(ledgerLocation(flags, context), context.cwd),
            session,
            context,
          )
        : undefined;
      const env: NodeJS.ProcessEnv = {
        ...context.env,
        NODE_OPTIONS: withAutoImport(context.env.NODE_OPTIONS, autoEntry()),
        LLMETER_SESSION: session,
        ...(flags.db === undefined ? {} : { LLMETER_DB: flags.db }),
        ...(gateway === undefined ? {} : gatewayEnvironment(gateway.url, context.env)),
      };
      let exitCode: number;
      try {
        exitCode = await runChild(command, env, context.cwd);
      } finally {
        await gateway?.close();
      }
      const queryFlags = { db: flags.db, json: flags.json, session, period: "all" };
      await withLedger(queryFlags, context, { create: true }, async (store) => {
        const query = await resolveQuery(queryFlags, context, store);
        const report = await buildUsageReport(store, query, "model");
        await writeOut(
          context.stdout,
          flags.json === true ? toJsonText(report) : formatUsageReport(report, layoutFor(context)),
        );
      });
      if (exitCode !== 0) throw new PassThroughExit(exitCode);
    });
}

/**
 * The base-URL variables each SDK reads, pointed at the gateway: `OPENAI_BASE_URL` (openai for
 * Node and Python), `ANTHROPIC_BASE_URL` (@anthropic-ai/sdk, anthropic), `GOOGLE_GEMINI_BASE_URL`
 * (@google/genai, google-genai). One the user already set is kept: it names an upstream the gateway
 * does not know. `LLMETER_GATEWAY_URL` tells llmeter/auto which clients the gateway meters.
 */
export function gatewayEnvironment(
  url: string,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const chosen: Record<string, string> = { LLMETER_GATEWAY_URL: url };
  const variables = {
    OPENAI_BASE_URL: `${url}/openai/v1`,
    ANTHROPIC_BASE_URL: `${url}/anthropic`,
    GOOGLE_GEMINI_BASE_URL: `${url}/gemini`,
  };
  for (const [name, value] of Object.entries(variables))
    if (env[name] === undefined || env[name] === "") chosen[name] = value;
  return chosen;
}

/** An ephemeral gateway on a free loopback port whose calls carry the run's session. */
async function startRunGateway(
  location: string,
  session: string,
  context: CliContext,
): Promise<{ url: string; close(): Promise<void> }> {
  // Loaded here: undici and the gateway are only needed when the command runs.
  const [{ createGateway }, { createMeter }] = await Promise.all([
    import("../../gateway/create-gateway.ts"),
    import("../../meter/create-meter.ts"),
  ]);
  const configContext = { env: context.env, cwd: context.cwd };
  const meter = createMeter({
    ledger: location,
    attributes: { sessionId: session },
    configContext,
  });
  const gateway = await createGateway({
    port: 0,
    host: "127.0.0.1",
    meter,
    dashboard: false,
    configContext,
  });
  return {
    url: gateway.url,
    async close() {
      await gateway.close();
      await meter.shutdown();
    },
  };
}
