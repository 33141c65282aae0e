import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { describeUsageStoreContract } from "../store/store-contract.ts";
import {
  describeMissingDatabase,
  schemasDroppedAfterAll,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
} from "./test-database.ts";

// The shared suite every store passes, here against a real PostgreSQL: percentiles exact
// (percentile_cont), totals and buckets identical to the in-memory reference.
const newSchema = schemasDroppedAfterAll();

if (await testDatabaseAvailable()) {
  describeUsageStoreContract("postgres", async () => {
    const schema = newSchema("contract");
    const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
    await store.ready();
    return store;
  });
} else {
  describeMissingDatabase("UsageStore contract: postgres");
}
