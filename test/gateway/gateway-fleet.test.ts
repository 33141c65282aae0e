// A fleet: three `llmeter gateway` processes on one PostgreSQL ledger, 300 concurrent calls spread
// over them against one enforced $1 daily budget. The budget holds across the instances: the
// recorded spend stays within $1 plus one call's estimate, every refused call got a 429 in
// OpenAI's error shape before anything reached the provider, and every call is accounted for.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateRequestTokens } from "../../src/budgets/estimate-call.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import { openPostgresStore } from "../../src/store/postgres/index.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import {
  describeMissingDatabase,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "../store-postgres/test-database.ts";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const INSTANCES = 3;
const CALLS = 300;
const LIMIT_USD = 1;
// gpt-4o at $10 per million output tokens: a 1,000-token answer is about $0.01, so the $1 budget
// has room for about a third of the calls.
const REQUEST = {
  model: "gpt-4o",
  max_tokens: 1000,
  messages: [{ role: "user", content: "Write one thousand words about usage ledgers." }],
};

interface RunningGateway {
  child: ChildProcess;
  url: string;
}

/** `llmeter gateway --port 0` in its own process; resolves with the URL it prints. */
function startGatewayProcess(
  ledgerUrl: string,
  mock: MockProvider,
  cwd: string,
): Promise<RunningGateway> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "gateway",
      "--port",
      "0",
      "--no-dashboard",
      "--db",
      ledgerUrl,
      "--openai-base-url",
      mock.openaiBaseUrl,
    ],
    {
      cwd,
      env: {
        ...process.env,
        LLMETER_BUDGETS: JSON.stringify([
          { id: "fleet-daily", window: "day", limitUsd: LIMIT_USD, enforce: true },
        ]),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /llmeter gateway on (http:\/\/\S+) /.exec(output);
      if (match !== null) resolve({ child, url: match[1]! });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
}

/** SIGTERM, then the exit: the gateway drains and flushes its ledger before it ends. */
async function stop({ child }: RunningGateway): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  return exited;
}

const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describe("three gateway processes on one PostgreSQL ledger", () => {
    let mock: MockProvider;
    let gateways: RunningGateway[] = [];
    let ledgerUrl: string;
    beforeAll(async () => {
      mock = await startMockProvider({ replyWords: 1000 });
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set("schema", newSchema("gateway_fleet"));
      ledgerUrl = url.toString();
      const cwd = mkdtempSync(join(tmpdir(), "llmeter-gateway-fleet-"));
      // One first, so the schema's migration does not race; then the other two.
      gateways = [await startGatewayProcess(ledgerUrl, mock, cwd)];
      gateways.push(
        ...(await Promise.all(
          Array.from({ length: INSTANCES - 1 }, () => startGatewayProcess(ledgerUrl, mock, cwd)),
        )),
      );
    }, 60_000);
    afterAll(async () => {
      await Promise.all(gateways.map(stop));
      await mock?.close();
    });

    it(`keeps a $${LIMIT_USD} daily budget over ${CALLS} concurrent calls`, {
      timeout: 120_000,
    }, async () => {
      const statuses = await Promise.all(
        Array.from({ length: CALLS }, async (_, index) => {
          const gateway = gateways[index % INSTANCES]!;
          const response = await fetch(`${gateway.url}/openai/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer sk-fleet" },
            body: JSON.stringify(REQUEST),
          });
          const body = (await response.json()) as { error?: { code?: string; message?: string } };
          if (response.status === 429) {
            expect(body.error?.code).toBe("budget_exceeded");
            expect(body.error?.message).toContain('budget "fleet-daily"');
          }
          return response.status;
        }),
      );
      const ok = statuses.filter((status) => status === 200).length;
      const refused = statuses.filter((status) => status === 429).length;
      expect(ok + refused).toBe(CALLS);
      expect(refused).toBeGreaterThan(CALLS / 2);
      // Only the calls let through reached the provider: each refusal came before forwarding.
      expect(mock.requests.length).toBe(ok);

      for (const gateway of gateways) expect(await stop(gateway)).toBe(0);
      const store = await openPostgresStore(ledgerUrl);
      const events: UsageEvent[] = [];
      try {
        for await (const event of store.events()) events.push(event);
      } finally {
        await store.close();
      }
      expect(events.filter((event) => event.success)).toHaveLength(ok);
      expect(events.every((event) => event.costUsd !== undefined && event.costUsd > 0)).toBe(true);
      const spent = events.reduce((sum, event) => sum + (event.costUsd ?? 0), 0);
      const estimate = createPriceBook().priceEvent({
        id: "estimate",
        timestamp: new Date().toISOString(),
        kind: "llm",
        operation: "chat",
        success: true,
        provider: "openai",
        model: REQUEST.model,
        inputTokens: estimateRequestTokens(REQUEST),
        outputTokens: REQUEST.max_tokens,
      })!.costUsd!;
      console.info(
        `fleet: ${ok} forwarded, ${refused} refused, spent $${spent.toFixed(6)}, one call ~$${estimate.toFixed(6)}`,
      );
      expect(spent).toBeLessThanOrEqual(LIMIT_USD + estimate);
      // The budget was used, not refused wholesale: most of the dollar was spent.
      expect(spent).toBeGreaterThan(LIMIT_USD - 3 * estimate);
    });
  });
} else {
  describeMissingDatabase("three gateway processes on one PostgreSQL ledger");
}
