import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "./schema.ts";

// TimescaleDB is not in Debian's archive, so the hypertable path cannot run in our tests; these
// check the SQL it would run against TimescaleDB's documented requirements instead.
describe("PostgreSQL migrations", () => {
  const plain = MIGRATIONS.map((migration) =>
    migration('"ledger"', { timescale: false, timescaleSchema: "" }),
  ).join("\n");
  const timescale = MIGRATIONS.map((migration) =>
    migration('"ledger"', { timescale: true, timescaleSchema: '"tsdb"' }),
  ).join("\n");

  it("keys a plain table on the event id alone, and never calls TimescaleDB", () => {
    expect(plain).toMatch(/PRIMARY KEY \(id\)/);
    expect(plain).not.toMatch(/create_hypertable/);
  });

  it("keys a hypertable on (id, ts): its unique keys must include the time column", () => {
    expect(timescale).toMatch(/PRIMARY KEY \(id, ts\)/);
    expect(timescale).not.toMatch(/PRIMARY KEY \(id\)/);
  });

  it("creates the hypertable through the extension's own schema, on ts, before the indexes", () => {
    const call = timescale.indexOf(
      `SELECT "tsdb".create_hypertable('"ledger".events', 'ts', chunk_time_interval => interval '7 days', create_default_indexes => false);`,
    );
    expect(call).toBeGreaterThan(timescale.indexOf("CREATE TABLE"));
    expect(call).toBeLessThan(timescale.indexOf("CREATE INDEX events_by_time"));
  });

  it("keeps rollups by triggers with transition tables on a plain table only (hypertables refuse them)", () => {
    expect(plain).toMatch(/REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT/);
    expect(plain).toMatch(/CREATE TABLE "ledger".rollups_hourly/);
    expect(timescale).not.toMatch(/REFERENCING/);
    expect(timescale).not.toMatch(/rollups_hourly/);
  });

  it("escapes a quote in the schema name inside the create_hypertable literal", () => {
    const sql = MIGRATIONS[0]!(`"it's"`, { timescale: true, timescaleSchema: '"public"' });
    expect(sql).toContain(`create_hypertable('"it''s".events', 'ts'`);
  });
});
