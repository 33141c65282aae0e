import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBudgetLedger } from "../../src/budgets/budget-ledger.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import { expectBudgetKept, runBudgetBurst } from "./fixtures/burst-scenario.ts";

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

describe("enforced budget under a burst from 4 processes", () => {
  it("never overspends, rejects before sending, and leaks no reservation", async () => {
    const ledger = join(folder, "usage.db");
    createSqliteStore(ledger).close(); // the file with its schema, as an application would have it
    const burst = await runBudgetBurst(mock, ledger);

    const store = createSqliteStore(ledger);
    const events: Array<{ costUsd?: number; success: boolean }> = [];
    for await (const event of store.events()) events.push(event);
    await store.close();
    expectBudgetKept(burst, events);

    const budgets = openBudgetLedger(ledger);
    try {
      expect(budgets.activeReservations(Date.now())).toBe(0);
    } finally {
      budgets.close();
    }
  }, 120_000);
});
