import type { Command } from "commander";
import { type CliContext, createProcessContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { redactLocation } from "../format/redact-setting.ts";
import { withLedger } from "../open-ledger.ts";
import { openLedgerStore } from "../open-ledger-store.ts";
import { addLedgerOption, resolveTimeZone } from "../usage-query.ts";
import { priceBookFor } from "./prices.ts";

interface ServeFlags {
  db?: string;
  port: string;
  host: string;
  token?: string;
  tz?: string;
  maxOtlpBytes?: string;
}

/**
 * `llmeter serve`: the local web dashboard over the ledger, until Ctrl-C.
 *
 * @example llmeter serve --port 4380 --tz Europe/Paris
 */
export function registerServeCommand(
  program: Command,
  context: CliContext = createProcessContext(openLedgerStore),
): void {
  const command = program
    .command("serve")
    .description(
      "open the local web dashboard over the ledger (cost, latency, sessions, live); receives OTLP/HTTP GenAI spans at /v1/traces",
    );
  addLedgerOption(command)
    .option("--port <number>", "port to listen on; 0 picks a free one", "4380")
    .option("--host <address>", "address to bind; anything but loopback needs --token", "127.0.0.1")
    .option(
      "--token <secret>",
      "access token the browser must present (default: LLMETER_DASHBOARD_TOKEN)",
    )
    .option(
      "--tz <zone>",
      "IANA time zone for hours and days (default: the timeZone setting, else the machine's)",
    )
    .option(
      "--max-otlp-bytes <bytes>",
      "largest OTLP export accepted at /v1/traces, compressed or not (default 16 MiB)",
    )
    .addHelpText(
      "after",
      '\nExamples:\n  llmeter serve\n  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4380 node --import ./otel.js app.js   # send GenAI spans\n  llmeter serve --db postgres://user@db.internal/llmeter --host 0.0.0.0 --token "$(openssl rand -hex 16)"',
    )
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!/^\d{1,5}$/.test(flags.port) || port > 65_535)
        throw new CliUsageError(
          `--port "${flags.port}" is not a port. Use a number from 0 to 65535.`,
        );
      const token = flags.token ?? context.env.LLMETER_DASHBOARD_TOKEN;
      const maxOtlpBytes = parseMaxOtlpBytes(flags.maxOtlpBytes);
      const timeZone = resolveTimeZone(flags, context);
      // Loaded here: the server and its assets are only needed by this command.
      const [
        { startDashboardServer },
        { createLedgerBudgetsSource },
        { isPostgresUrl },
        { createMeter },
        { createOtlpTracesHandler, OTLP_TRACES_PATH },
      ] = await Promise.all([
        import("../../dashboard/dashboard-server.ts"),
        import("../../budgets/ledger-budgets-source.ts"),
        import("../../store/open-store.ts"),
        import("../../meter/create-meter.ts"),
        import("../../otlp-in/otlp-traces-handler.ts"),
      ]);
      await withLedger(flags, context, { create: false }, async (store, location) => {
        // Received spans are written by a meter of their own (priced, budgets settled) to the
        // same ledger the dashboard reads. No OpenTelemetry of its own: what it records was a
        // span already.
        const meter = createMeter({
          ledger: location,
          timeZone,
          otel: false,
          instrumentations: [],
          configContext: { env: context.env, cwd: context.cwd },
        });
        const receiveTraces = createOtlpTracesHandler({
          meter,
          host: flags.host,
          token,
          ...(maxOtlpBytes === undefined ? {} : { maxBodyBytes: maxOtlpBytes }),
        });
        let server: Awaited<ReturnType<typeof startDashboardServer>>;
        try {
          server = await startDashboardServer({
            store,
            // The user's price file too: a model it prices needs reprice, not a template.
            priceBook: priceBookFor(context, undefined),
            host: flags.host,
            port,
            timeZone,
            routes: {
              [OTLP_TRACES_PATH]: (request, response) => {
                receiveTraces(request, response).catch((error: unknown) => {
                  process.stderr.write(`llmeter serve: an OTLP export failed: ${String(error)}\n`);
                  if (!response.headersSent) response.writeHead(500);
                  response.end();
                });
              },
            },
            ...(token === undefined ? {} : { token }),
            // Budgets live in the SQLite ledger (PostgreSQL budgets are not supported yet).
            ...(isPostgresUrl(location)
              ? {}
              : { budgets: createLedgerBudgetsSource(location, { timeZone, store }) }),
          });
        } catch (error) {
          await meter.shutdown();
          if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
            throw new CliUsageError(
              `Port ${port} on ${flags.host} is in use. Pick another with --port, or --port 0 for any free one.`,
            );
          if ((error as Error).message.includes("without an access token"))
            throw new CliUsageError((error as Error).message);
          throw error;
        }
        await writeOut(
          context.stdout,
          `llmeter dashboard on ${server.url} (ledger: ${redactLocation(location)}, times in ${timeZone}); OTLP/HTTP GenAI spans at ${server.url.replace(/\/$/, "")}${OTLP_TRACES_PATH}. Ctrl-C to stop.\n`,
        );
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await server.close();
        await meter.shutdown();
      });
    });
}

/** `--max-otlp-bytes`: a whole number of bytes, at least 1 KiB. */
function parseMaxOtlpBytes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || bytes < 1024 || bytes > 2 ** 31)
    throw new CliUsageError(
      `--max-otlp-bytes "${value}" is not a size. Use a number of bytes from 1024 to ${2 ** 31}, e.g. --max-otlp-bytes 33554432 for 32 MiB.`,
    );
  return bytes;
}
