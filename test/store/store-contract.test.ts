import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { PERCENTILE_RELATIVE_ACCURACY } from "../../src/store/rollup/latency-histogram.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { describeUsageStoreContract } from "./store-contract.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-contract-"));
let fileCount = 0;
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeUsageStoreContract("memory", async () => createMemoryStore());
// Rollups answer with percentiles within 1% (DDSketch buckets); sums stay exact.
describeUsageStoreContract(
  "sqlite",
  async () => {
    fileCount += 1;
    return createSqliteStore(join(folder, `ledger-${fileCount}.db`));
  },
  { percentileRelativeError: PERCENTILE_RELATIVE_ACCURACY },
);
// Without rollups every answer is a scan of the events: exactly the in-memory numbers.
describeUsageStoreContract("sqlite without rollups", async () => {
  fileCount += 1;
  return createSqliteStore(join(folder, `ledger-${fileCount}.db`), { useRollups: false });
});
