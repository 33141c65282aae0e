import { afterAll } from "vitest";
import { createPostgresStore } from "../../src/store/postgres/index.ts";
import { describeUsageStoreContract } from "../store/store-contract.ts";
import {
  describeMissingDatabase,
  dropSchemas,
  TEST_DATABASE_URL,
  testDatabaseAvailable,
  uniqueSchemaName,
} from "./test-database.ts";

// The shared suite every store passes, here against a real PostgreSQL: percentiles exact
// (percentile_cont), totals and buckets identical to the in-memory reference.
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

if (await testDatabaseAvailable()) {
  describeUsageStoreContract("postgres", async () => {
    const schema = uniqueSchemaName("contract");
    schemas.push(schema);
    const store = createPostgresStore({ url: TEST_DATABASE_URL, schema });
    await store.ready();
    return store;
  });
} else {
  describeMissingDatabase("UsageStore contract: postgres");
}
