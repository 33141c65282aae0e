// The ledger file turns read-only under a running application (`chattr +i` on the file and its
// WAL, which even root cannot write through; skipped where chattr is not allowed), then writable
// again. Calls keep
// their results; events wait in the buffer (up to maxBufferedEvents, the rest dropped and
// counted) and are written once the file is writable again. Also: a ledger that cannot be
// opened at all is a clear error when configured, a warning when it was only the default.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/config/resolve-config.ts";
import { createMeter } from "../../src/meter/create-meter.ts";

/** Whether this process can make files immutable (root on a file system with `chattr +i`). */
function canMakeImmutable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = join(mkdtempSync(join(tmpdir(), "llmeter-chattr-probe-")), "probe");
  writeFileSync(probe, "");
  try {
    execFileSync("chattr", ["+i", probe], { stdio: "ignore" });
    execFileSync("chattr", ["-i", probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `chattr +i` / `-i` on the ledger file and its WAL: writes fail with EPERM even for root. */
function setImmutable(path: string, immutable: boolean): void {
  const files = [path, `${path}-wal`].filter((file) => existsSync(file));
  execFileSync("chattr", [immutable ? "+i" : "-i", ...files]);
}

function countRows(path: string): number {
  const db = new DatabaseSync(path);
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe("read-only ledger", { timeout: 60_000 }, () => {
  it.skipIf(!canMakeImmutable())(
    "buffers while the file is read-only, counts drops past the bound, writes the rest once writable",
    async () => {
      const root = mkdtempSync(join(tmpdir(), "llmeter-ro-"));
      const folder = join(root, "ledger");
      mkdirSync(folder);
      const path = join(folder, "usage.db");
      const diagnostics: string[] = [];
      const meter = createMeter({
        ledger: path,
        configContext: { env: {}, cwd: root },
        maxBufferedEvents: 2000,
        diagnostics: (level, message) => diagnostics.push(`${level}: ${message}`),
      });
      try {
        meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 1 });
        await meter.flush();
        setImmutable(path, true);
        let wrong = 0;
        for (let index = 0; index < 3000; index++) {
          const result = meter.track({ provider: "openai", model: "gpt-4o-mini" }, (tracker) => {
            tracker.setTokens({ inputTokens: 10, outputTokens: 1 });
            return index;
          });
          if (result !== index) wrong += 1;
          if (index % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        expect(wrong).toBe(0);
        await meter.flush({ timeoutMs: 500 });
        const during = meter.getHealth();
        expect(during.sinkFailures.ledger).toBeGreaterThan(0);
        expect(during.droppedBySink.ledger).toBe(1000);
        expect(
          diagnostics.filter((line) => line.includes("writing to the ledger failed")),
        ).toHaveLength(1);
        expect(
          diagnostics.filter((line) => line.includes("the ledger is not keeping up")),
        ).toHaveLength(1);

        setImmutable(path, false);
        await vi.waitFor(
          async () => {
            await meter.flush({ timeoutMs: 1000 });
            expect(countRows(path)).toBe(1 + 2000);
          },
          { timeout: 30_000, interval: 200 },
        );
        expect(meter.getHealth().droppedBySink.ledger).toBe(1000);
        await meter.shutdown();
      } finally {
        setImmutable(path, false);
        await meter.shutdown({ timeoutMs: 1000 }).catch(() => {});
      }
    },
  );

  it("a configured ledger that cannot be created is a ConfigError saying where and how to fix it", () => {
    const root = mkdtempSync(join(tmpdir(), "llmeter-notdir-"));
    writeFileSync(join(root, "a-file"), "");
    const path = join(root, "a-file", "usage.db");
    let error: unknown;
    try {
      createMeter({ ledger: path, configContext: { env: {}, cwd: root }, diagnostics: () => {} });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(join(root, "a-file"));
  });

  it("an implicit default ledger that cannot be created only warns: the application keeps going", () => {
    const root = mkdtempSync(join(tmpdir(), "llmeter-default-"));
    // `.llmeter/usage.db` is a folder, so the default ledger cannot be opened.
    mkdirSync(join(root, ".llmeter", "usage.db"), { recursive: true });
    // A child process: under a test runner the implicit default ledger is off by design.
    const script = `
      import { createMeter } from ${JSON.stringify(join(process.cwd(), "src/meter/create-meter.ts"))};
      const lines = [];
      const meter = createMeter({ diagnostics: (level, message) => lines.push(level + ": " + message) });
      const value = meter.track({ provider: "openai", model: "gpt-4o" }, () => 42);
      await meter.flush();
      console.log(JSON.stringify({ value, requests: meter.getStats().totalRequests, lines }));
    `;
    const output = execFileSync(
      join(process.cwd(), "node_modules/.bin/node"),
      ["--input-type=module", "-e", script],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "" },
        encoding: "utf8",
      },
    );
    const result = JSON.parse(output.trim()) as {
      value: number;
      requests: number;
      lines: string[];
    };
    expect(result.value).toBe(42);
    expect(result.requests).toBe(1);
    expect(result.lines.filter((line) => line.startsWith("warn: the default ledger"))).toEqual([
      expect.stringContaining("LLMETER_DB"),
    ]);
  });
});
