import type { Command } from "commander";
import type { GatewaySetting } from "../../config/gateway-setting.ts";
import { ledgerLocationOf } from "../../config/ledger-location.ts";
import { GATEWAY_PROVIDER_NAMES } from "../../gateway/gateway-providers.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { redactLocation } from "../format/redact-setting.ts";
import { addLedgerOption, ledgerLocation } from "../usage-query.ts";

interface GatewayFlags {
  db?: string;
  port?: string;
  host?: string;
  token?: string;
  dashboard: boolean;
  accessLog?: boolean;
  allowPassThrough?: boolean;
  skipIncludeUsage?: string[];
  [baseUrlFlag: string]: unknown;
}

/** `--groq-base-url` → `groqBaseUrl`, the key commander gives the flag. */
function baseUrlKey(provider: string): string {
  return `${provider}BaseUrl`;
}

/**
 * `llmeter gateway`: the metering gateway in the foreground until Ctrl-C (which drains in-flight
 * streams before it exits).
 *
 * @example llmeter gateway --port 4390 --vllm-base-url http://10.0.0.5:8000/v1
 */
export function registerGatewayCommand(program: Command, context: CliContext): void {
  const command = program
    .command("gateway")
    .description(
      "run the metering gateway: point any language's SDK at it and every call is recorded (usage, cost, budgets)",
    );
  addLedgerOption(command)
    .option("--port <number>", "port to listen on; 0 picks a free one (default: 4390)")
    .option("--host <address>", "address to bind; beyond loopback the dashboard needs --token")
    .option(
      "--token <secret>",
      "access token of the dashboard and /metrics (default: LLMETER_DASHBOARD_TOKEN)",
    )
    .option("--no-dashboard", "do not serve the dashboard at /")
    .option("--access-log", "print one JSON line per request (no bodies, keys or query strings)")
    .option(
      "--allow-pass-through",
      "once the ledger has virtual keys (llmeter keys create), still forward requests that carry their own provider key",
    )
    .option(
      "--skip-include-usage <providers...>",
      "do not add stream_options.include_usage to these providers' streamed chat calls",
    );
  for (const provider of GATEWAY_PROVIDER_NAMES)
    command.option(`--${provider}-base-url <url>`, `where /${provider}/... is forwarded`);
  command
    .addHelpText(
      "after",
      '\nExamples:\n  llmeter gateway\n  OPENAI_BASE_URL=http://127.0.0.1:4390/openai/v1 python app.py\n  llmeter gateway --host 0.0.0.0 --token "$(openssl rand -hex 16)" --db postgres://llmeter@db/llmeter',
    )
    .action(async (flags: GatewayFlags) => {
      const port = flags.port === undefined ? undefined : parsePort(flags.port);
      const providers: NonNullable<GatewaySetting["providers"]> = {};
      for (const provider of GATEWAY_PROVIDER_NAMES) {
        const baseUrl = flags[baseUrlKey(provider)];
        if (typeof baseUrl === "string") providers[provider] = { baseUrl };
      }
      for (const provider of flags.skipIncludeUsage ?? []) {
        if (!GATEWAY_PROVIDER_NAMES.includes(provider))
          throw new CliUsageError(
            `--skip-include-usage: unknown provider "${provider}". Use one of ${GATEWAY_PROVIDER_NAMES.join(", ")}.`,
          );
        providers[provider] = { ...providers[provider], injectStreamUsage: false };
      }
      const location = ledgerLocationOf(ledgerLocation(flags, context), context.cwd);
      const token = flags.token ?? context.env.LLMETER_DASHBOARD_TOKEN;
      // Loaded here: undici and the servers are only needed by this command.
      const { createGateway } = await import("../../gateway/create-gateway.ts");
      let gateway: Awaited<ReturnType<typeof createGateway>>;
      try {
        gateway = await createGateway({
          ...(port === undefined ? {} : { port }),
          ...(flags.host === undefined ? {} : { host: flags.host }),
          ...(token === undefined || token === "" ? {} : { token }),
          ledger: location,
          providers,
          ...(flags.dashboard ? {} : { dashboard: false }),
          ...(flags.allowPassThrough === true ? { allowPassThrough: true } : {}),
          ...(flags.accessLog === true
            ? {
                accessLog: (entry) => {
                  context.stdout.write(`${JSON.stringify(entry)}\n`);
                },
              }
            : {}),
          configContext: { env: context.env, cwd: context.cwd },
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
          throw new CliUsageError(
            `Port ${port ?? 4390} is in use. Pick another with --port, or --port 0 for any free one.`,
          );
        if ((error as Error).message.includes("without an access token"))
          throw new CliUsageError((error as Error).message);
        throw error;
      }
      await writeOut(
        context.stdout,
        [
          `llmeter gateway on ${gateway.url} (ledger: ${redactLocation(location)}). Ctrl-C to stop.`,
          keysModeLine(gateway.virtualKeysAtStart, flags.allowPassThrough === true),
          `  OPENAI_BASE_URL=${gateway.url}/openai/v1`,
          `  ANTHROPIC_BASE_URL=${gateway.url}/anthropic`,
          `  GOOGLE_GEMINI_BASE_URL=${gateway.url}/gemini`,
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await writeOut(context.stderr, "llmeter gateway: draining in-flight requests...\n");
      await gateway.close();
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65_535)
    throw new CliUsageError(`--port "${text}" is not a port. Use a number from 0 to 65535.`);
  return port;
}

/** The start-up line that says which keys the gateway takes (docs/gateway.md#virtual-keys). */
function keysModeLine(active: number | undefined, allowPassThrough: boolean): string {
  if (active === undefined)
    return "  virtual keys: not readable yet (the gateway checks again on each request)";
  if (active === 0)
    return "  pass-through: clients send their own provider keys (virtual keys: llmeter keys create)";
  const passThrough = allowPassThrough
    ? "clients' own provider keys are also forwarded (--allow-pass-through)"
    : "clients' own provider keys get 401 (--allow-pass-through to accept them)";
  return `  virtual keys: ${active} active; ${passThrough}`;
}
