// The ledger is private: a new folder is 0700, the file and its WAL/SHM companions 0600, whatever
// the process umask. Plus the dashboard token check: equal only for the same token, any length.
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokensEqual } from "../../src/dashboard/access-token.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("ledger file permissions", () => {
  it("creates the folder 0700 and the file, WAL and SHM 0600 even with a permissive umask", async () => {
    const previous = process.umask(0o000);
    try {
      const folder = join(mkdtempSync(join(tmpdir(), "llmeter-perm-")), "nested", ".llmeter");
      const path = join(folder, "usage.db");
      const meter = createMeter({
        ledger: path,
        configContext: { env: {}, cwd: folder },
        diagnostics: () => {},
      });
      meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 10, outputTokens: 2 });
      await meter.flush();
      expect(mode(folder)).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      await meter.shutdown();
    } finally {
      process.umask(previous);
    }
  });

  it("does not loosen an existing folder the user chose", () => {
    const folder = mkdtempSync(join(tmpdir(), "llmeter-perm-existing-"));
    const before = mode(folder);
    const store = createSqliteStore(join(folder, "usage.db"));
    expect(mode(folder)).toBe(before);
    expect(mode(join(folder, "usage.db"))).toBe(0o600);
    return store.close();
  });
});

describe("dashboard access token", () => {
  it("tokensEqual is true only for the same token, for any lengths, without throwing", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (given, expected) => {
        expect(tokensEqual(given, expected)).toBe(given === expected);
        expect(tokensEqual(expected, expected)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
