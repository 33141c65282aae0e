import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { PERCENTILE_RELATIVE_ACCURACY } from "../../src/store/rollup/latency-histogram.ts";
import { describeUsageStoreContract } from "../store/store-contract.ts";
import {
  describeMissingDatabase,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

// The shared suite every store passes, here against a real PostgreSQL: totals and buckets
// identical to the in-memory reference. Read from the rollups, percentiles come from 1%-accurate
// histograms (as in SQLite); summed from the events they are exact (percentile_cont).
const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describeUsageStoreContract(
    "postgres",
    async () => {
      const schema = newSchema("contract");
      const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
      await store.ready();
      return store;
    },
    { percentileRelativeError: PERCENTILE_RELATIVE_ACCURACY },
  );
  describeUsageStoreContract("postgres summing the events", async () => {
    const schema = newSchema("contract_raw");
    const store = createPostgresStore({ url: TEST_DATABASE_URL, schema, useRollups: false });
    await store.ready();
    return store;
  });
} else {
  describeMissingDatabase("UsageStore contract: postgres");
}
