import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isPostgresUrl, openStore } from "../../src/store/open-store.ts";
import { TEST_DATABASE_URL, testDatabaseAvailable } from "../store-postgres/test-database.ts";

const postgresAvailable = await testDatabaseAvailable();
const folder = mkdtempSync(join(tmpdir(), "llmeter-open-store-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("openStore", () => {
  it("opens (and creates) a SQLite ledger for a path", async () => {
    const store = await openStore(join(folder, "deep", "usage.db"));
    expect(
      await store.append([
        {
          id: "a",
          timestamp: "2026-11-01T00:00:00.000Z",
          kind: "llm",
          operation: "chat",
          provider: "openai",
          model: "gpt-4o",
          success: true,
        },
      ]),
    ).toBe(1);
    expect("location" in store && store.location).toBe(join(folder, "deep", "usage.db"));
    await store.close();
  });

  it("says what a location must be when it is empty", async () => {
    await expect(openStore("  ")).rejects.toThrow(/SQLite file path .* or a postgres:\/\/ URL/);
  });

  it("recognizes PostgreSQL URLs", () => {
    expect(isPostgresUrl("postgres://u@localhost/db")).toBe(true);
    expect(isPostgresUrl("postgresql://u@localhost/db")).toBe(true);
    expect(isPostgresUrl(".llmeter/usage.db")).toBe(false);
  });

  it.runIf(postgresAvailable)(
    "opens the PostgreSQL store for a postgres:// URL, loading llmeter/postgres on demand",
    async () => {
      const store = await openStore(TEST_DATABASE_URL);
      const result = await store.aggregate({
        filter: { tenantId: "nobody-here" },
        timeZone: "UTC",
      });
      expect(result.totals.totalRequests).toBe(0);
      await store.close();
    },
  );
});
