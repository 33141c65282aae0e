import { type ChildProcess, spawn } from "node:child_process";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { readLedgerEvents } from "../gateway/gateway-harness.ts";

/** `llmeter serve` as a real child process over `ledger`; resolves once it listens. */
export async function startServe(
  ledger: string,
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop(): Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    ["src/cli/main.ts", "serve", "--db", ledger, "--port", "0", ...args],
    {
      env: { ...process.env, LLMETER_DASHBOARD_TOKEN: "", LLMETER_OTEL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/\S+)\//.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    void exit.then((code) =>
      reject(new Error(`serve exited with ${code} before listening: ${output}${stderr}`)),
    );
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill("SIGTERM");
      return exit;
    },
  };
}

/**
 * Waits until the ledger holds an event with id `id`, then returns every event. The receiver
 * writes in order, so once a marker sent after an export is there, that export's effect is too.
 */
export async function ledgerAfter(ledger: string, id: string): Promise<UsageEvent[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const events = await readLedgerEvents(ledger);
    if (events.some((event) => event.id === id)) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the ledger never received event ${id}`);
}

let markers = 0;

/** An OTLP JSON export of one GenAI span with fresh ids, and the event id it becomes. */
export function markerExport(): { body: string; eventId: string } {
  markers += 1;
  const traceId = `${"f".repeat(24)}${String(markers).padStart(8, "0")}`;
  const spanId = `${"e".repeat(8)}${String(markers).padStart(8, "0")}`;
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "marker" } }] },
        scopeSpans: [
          {
            scope: { name: "marker" },
            spans: [
              {
                traceId,
                spanId,
                name: "chat gpt-4o-mini",
                kind: 3,
                startTimeUnixNano: "1765000000000000000",
                endTimeUnixNano: "1765000000500000000",
                attributes: [
                  { key: "gen_ai.provider.name", value: { stringValue: "openai" } },
                  { key: "gen_ai.request.model", value: { stringValue: "gpt-4o-mini" } },
                  { key: "gen_ai.usage.input_tokens", value: { intValue: "10" } },
                  { key: "gen_ai.usage.output_tokens", value: { intValue: "5" } },
                ],
                status: { code: 0 },
              },
            ],
          },
        ],
      },
    ],
  });
  return { body, eventId: `${traceId}-${spanId}` };
}
