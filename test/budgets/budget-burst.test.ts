import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBudgetLedger } from "../../src/budgets/budget-ledger.ts";
import { estimateRequestTokens } from "../../src/budgets/estimate-call.ts";
import { createPriceBook } from "../../src/pricing/price-book.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";

const run = promisify(execFile);
const NODE = join(process.cwd(), "node_modules/.bin/node");
const WORKER = join(import.meta.dirname, "fixtures/burst-worker.ts");
const WORKERS = 4;
const CALLS_PER_WORKER = 50;

let mock: MockProvider;
let folder: string;
beforeAll(async () => {
  mock = await startMockProvider();
  folder = mkdtempSync(join(tmpdir(), "llmeter-burst-"));
});
afterAll(async () => {
  await mock.close();
  rmSync(folder, { recursive: true, force: true });
});

interface WorkerResult {
  ok: number;
  rejected: number;
  rejectedBeforeSend: number;
  failed: number;
  other: string[];
}

describe("enforced budget under a burst from 4 processes", () => {
  it("never overspends, rejects before sending, and leaks no reservation", async () => {
    const ledger = join(folder, "usage.db");
    createSqliteStore(ledger).close(); // the file with its schema, as an application would have it
    // What one call is reserved at (its prompt's estimate plus max_tokens), and what one really
    // costs, measured with a probe call to the mock provider; both priced by the catalog.
    const prices = createPriceBook();
    const price = (inputTokens: number, outputTokens: number) =>
      prices.priceEvent({
        id: "x",
        timestamp: new Date().toISOString(),
        kind: "llm",
        operation: "chat",
        success: true,
        provider: "openai",
        model: "gpt-4o-mini",
        inputTokens,
        outputTokens,
      })!.costUsd;
    const request = {
      model: "gpt-4o-mini",
      max_tokens: 16,
      messages: [{ role: "user" as const, content: "Worker 0 asks question 10: say hello." }],
    };
    const estimateUsd = price(estimateRequestTokens(request), 16);
    const probe = await new OpenAI({
      baseURL: mock.openaiBaseUrl,
      apiKey: "test",
    }).chat.completions.create(request);
    const realUsd = price(probe.usage!.prompt_tokens, probe.usage!.completion_tokens);
    mock.requests.length = 0;
    const limitUsd = realUsd * 50; // room for about 50 calls at their real cost
    const results = await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const { stdout } = await run(NODE, [WORKER], {
          env: {
            ...process.env,
            LEDGER: ledger,
            BASE_URL: mock.openaiBaseUrl,
            LIMIT_USD: String(limitUsd),
            CALLS: String(CALLS_PER_WORKER),
            FAIL_EVERY: "10",
            WORKER: String(worker),
          },
        });
        return JSON.parse(stdout.trim().split("\n").pop()!) as WorkerResult;
      }),
    );
    const total = results.reduce(
      (sum, result) => ({
        ok: sum.ok + result.ok,
        rejected: sum.rejected + result.rejected,
        rejectedBeforeSend: sum.rejectedBeforeSend + result.rejectedBeforeSend,
        failed: sum.failed + result.failed,
      }),
      { ok: 0, rejected: 0, rejectedBeforeSend: 0, failed: 0 },
    );
    if (process.env.BURST_DEBUG) console.log(JSON.stringify(total));
    expect(results.flatMap((result) => result.other)).toEqual([]);
    expect(total.ok + total.rejected + total.failed).toBe(WORKERS * CALLS_PER_WORKER);
    expect(total.rejected).toBeGreaterThan(100);
    expect(total.rejectedBeforeSend).toBe(total.rejected);
    // Every request that reached the provider was a call that was let through: none was rejected after sending.
    expect(mock.requests.length).toBe(total.ok + total.failed);

    const store = createSqliteStore(ledger);
    const events: Array<{ costUsd?: number; success: boolean }> = [];
    for await (const event of store.events()) events.push(event);
    await store.close();
    const spent = events.reduce((sum, event) => sum + (event.costUsd ?? 0), 0);
    const worstError = Math.max(0, ...events.map((event) => (event.costUsd ?? 0) - estimateUsd));
    expect(events.filter((event) => event.success)).toHaveLength(total.ok);
    // Reservations hold the estimate (more than the real cost), so fewer than 50 fit at once.
    expect(total.ok).toBeGreaterThan(0);
    expect(total.ok).toBeLessThanOrEqual(50);
    expect(spent).toBeLessThanOrEqual(limitUsd + worstError + 1e-9);

    const budgets = openBudgetLedger(ledger);
    try {
      expect(budgets.activeReservations(Date.now())).toBe(0);
    } finally {
      budgets.close();
    }
  }, 120_000);
});
