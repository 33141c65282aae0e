import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { redactUrl, resolveConnectionTarget } from "./connection-options.ts";

const noConfig = { LLMETER_CONFIG: "none" };

describe("resolveConnectionTarget", () => {
  it("prefers the option, then LLMETER_DB, then LLMETER_DATABASE_URL, like every entry point", () => {
    const env = {
      ...noConfig,
      LLMETER_DATABASE_URL: "postgres://alias@db-alias/ledger",
      LLMETER_DB: "postgres://setting@db-setting/ledger",
    };
    expect(
      resolveConnectionTarget({ url: "postgres://option@db-option/ledger", env }).connectionString,
    ).toBe("postgres://option@db-option/ledger");
    const both = resolveConnectionTarget({ env });
    expect(both.connectionString).toBe("postgres://setting@db-setting/ledger");
    expect(both.warnings.map((warning) => warning.message)).toEqual([
      "LLMETER_DB and LLMETER_DATABASE_URL are both set and disagree; LLMETER_DB wins and LLMETER_DATABASE_URL is ignored. Unset one of them.",
    ]);
    const { LLMETER_DB: _unused, ...aliasOnly } = env;
    const alias = resolveConnectionTarget({ env: aliasOnly });
    expect(alias.connectionString).toBe("postgres://alias@db-alias/ledger");
    expect(alias.warnings).toEqual([]);
  });

  it("reads the db setting from .llmeter/config.json", () => {
    const cwd = mkdtempSync(join(tmpdir(), "llmeter-pg-config-"));
    mkdirSync(join(cwd, ".llmeter"));
    writeFileSync(
      join(cwd, ".llmeter", "config.json"),
      JSON.stringify({ db: "postgresql://file@db/ledger" }),
    );
    expect(resolveConnectionTarget({ env: {}, cwd }).connectionString).toBe(
      "postgresql://file@db/ledger",
    );
  });

  it("says how to configure a URL when there is none (a SQLite path does not count)", () => {
    expect(() => resolveConnectionTarget({ env: noConfig })).toThrow(
      /No PostgreSQL URL.*set LLMETER_DB or LLMETER_DATABASE_URL/,
    );
    expect(() =>
      resolveConnectionTarget({ env: { ...noConfig, LLMETER_DB: "ledger.db" } }),
    ).toThrow(/named by environment variable LLMETER_DB, and it is a SQLite path/);
    // LLMETER_DB wins over LLMETER_DATABASE_URL here too, and the error says so.
    expect(() =>
      resolveConnectionTarget({
        env: { ...noConfig, LLMETER_DB: "ledger.db", LLMETER_DATABASE_URL: "postgres://db/app" },
      }),
    ).toThrow(
      /SQLite path \(LLMETER_DB and LLMETER_DATABASE_URL are both set and disagree; LLMETER_DB wins/,
    );
  });

  it("takes the schema from the option, else ?schema=, else llmeter, and strips it from the URL", () => {
    const url = "postgres://u:p@db:5432/app?schema=usage&sslmode=require";
    const fromUrl = resolveConnectionTarget({ url, env: noConfig });
    expect(fromUrl.schema).toBe("usage");
    expect(fromUrl.connectionString).toBe("postgres://u:p@db:5432/app?sslmode=require");
    expect(resolveConnectionTarget({ url, schema: "other", env: noConfig }).schema).toBe("other");
    expect(resolveConnectionTarget({ url: "postgres://db/app", env: noConfig }).schema).toBe(
      "llmeter",
    );
  });

  it("rejects a schema name that is not a plain identifier, saying where it came from", () => {
    expect(() =>
      resolveConnectionTarget({ url: "postgres://db/app?schema=a;drop", env: noConfig }),
    ).toThrow(
      /Invalid PostgreSQL schema name "a;drop" \(from the \?schema= parameter of option "url"\)/,
    );
  });

  it("rejects other protocols and malformed URLs with the expected form", () => {
    expect(() => resolveConnectionTarget({ url: "mysql://db/app", env: noConfig })).toThrow(
      /needs postgres:\/\/ or postgresql:\/\//,
    );
    expect(() => resolveConnectionTarget({ url: "postgres://[oops", env: noConfig })).toThrow(
      /not a valid URL\. Use the form postgres:\/\/user:password@host:5432\/database/,
    );
  });

  it("never shows the password", () => {
    const target = resolveConnectionTarget({ url: "postgres://me:s3cret@db/app", env: noConfig });
    expect(target.displayUrl).toBe("postgres://me:***@db/app");
    expect(redactUrl("not a url with s3cret")).not.toContain("s3cret");
  });
});
