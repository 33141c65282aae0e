// Property-based tests of what the CLI reads from users: import files (all-or-nothing, whatever
// the bad line is) and arbitrary command lines (an exit code, never a crash or a hang). CSV
// exports are checked for formula injection over arbitrary text.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { csvCell } from "../../src/cli/transfer/event-csv.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import { runInProcess } from "../cli/cli-harness.ts";
import { sampleEvents } from "../store/sample-events.ts";

const folder = mkdtempSync(join(tmpdir(), "llmeter-import-property-"));
const store = createSqliteStore(join(folder, "ledger.db"));
afterAll(() => store.close());

async function countEvents(target: UsageStore): Promise<number> {
  let count = 0;
  for await (const _ of target.events()) count += 1;
  return count;
}

const hostileLine = fc.oneof(
  fc.string({ maxLength: 200 }).filter((text) => text.trim() !== ""),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc
    .record({ provider: fc.anything(), model: fc.anything(), inputTokens: fc.anything() })
    .map((value) => JSON.stringify(value) ?? "{}"),
  fc.constant('{"__proto__": {"polluted": true}, "provider": "openai", "model": "gpt-4o"}'),
  fc.constant('{"provider": "openai", "model": "gpt-4o", "inputTokens": -5}'),
  fc.constant(`{"provider": "${"p".repeat(10_000)}", "model": "gpt-4o"}`),
);

describe("usage import over arbitrary files (fast-check)", () => {
  it("imports every event or nothing, and says where the bad one is", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 20 }),
        fc.array(hostileLine, { maxLength: 3 }),
        fc.nat(),
        async (validCount, badLines, seed) => {
          run += 1;
          const valid = sampleEvents(validCount, { seed: seed + 1, idPrefix: `run${run}-` }).map(
            (event) => JSON.stringify(event),
          );
          const lines = [...valid];
          for (const [index, line] of badLines.entries())
            lines.splice((seed + index) % (lines.length + 1), 0, line);
          const file = join(folder, `import-${run}.jsonl`);
          writeFileSync(file, lines.join("\n"));
          const before = await countEvents(store);
          const result = await runInProcess(["usage", "import", file], { store, cwd: folder });
          const after = await countEvents(store);
          expect([0, 1, 2]).toContain(result.code);
          if (result.code === 0) {
            // Only accepted when every line was a clean event (a hostile line can be valid JSON of one).
            expect(after - before).toBeLessThanOrEqual(lines.length);
            expect(after - before).toBeGreaterThanOrEqual(validCount);
          } else {
            expect(after).toBe(before);
            expect(result.stderr).toMatch(/line \d+|the file/);
            expect(result.stderr).toContain("nothing was imported");
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: 60 },
    );
  });
});

const word = fc.constantFrom(
  "usage",
  "report",
  "export",
  "import",
  "show",
  "list",
  "clear",
  "config",
  "get",
  "set",
  "unset",
  "prices",
  "--json",
  "--period",
  "7d",
  "-1d",
  "all",
  "--group-by",
  "tenant",
  "--format",
  "csv",
  "--since",
  "--until",
  "2026-13-45",
  "--tenant",
  "__proto__",
  "--help",
  "--yes",
  "--tz",
  "Mars/Base",
  "--ledger",
  "--limit",
  "-5",
  "NaN",
  "--output",
  "",
);
const argv = fc.array(fc.oneof(word, fc.string({ maxLength: 20 })), { maxLength: 6 });

describe("arbitrary CLI arguments (fast-check)", () => {
  it("end with exit code 0, 1 or 2 and a one-line message, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        // Only commands that read: clear/import/set would change the shared fixture ledger.
        if (
          args.some((arg) =>
            [
              "clear",
              "import",
              "set",
              "unset",
              "--output",
              "serve",
              "demo",
              "mock-provider",
            ].includes(arg),
          )
        )
          return;
        const result = await runInProcess(args, { store, cwd: folder, answer: false });
        expect([0, 1, 2]).toContain(result.code);
        if (result.code === 1) expect(result.stderr).toMatch(/^llmeter: |error/);
        expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)/);
      }),
      { numRuns: 150 },
    );
  });
});

describe("CSV cells (fast-check)", () => {
  it("no text cell can start a spreadsheet formula", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((text) => `=${text}`),
          fc.string().map((text) => `@${text}`),
          fc.string().map((text) => `+${text}`),
          fc.string().map((text) => `-${text}`),
        ),
        (text) => {
          const cell = csvCell(text);
          const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell;
          expect(unquoted).not.toMatch(/^[=+\-@\t\r]/);
          if (!/^[=+\-@\t\r]/.test(text)) expect(unquoted).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
