// The ledger on a full filesystem: a tmpfs of 1 MiB that fills up during 20,000 calls. No call
// throws or stalls, what fits is kept, and what does not is counted: after shutdown(), the events
// in the ledger plus the events counted as lost are exactly the calls made.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { requireService } from "../services/require-service.ts";

const CALLS = 20_000;
const folder = mkdtempSync(join(tmpdir(), "llmeter-full-disk-"));
const mountPoint = join(folder, "tiny");
mkdirSync(mountPoint);

function mountTinyFilesystem(): string | undefined {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint], { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${(error as Error).message.split("\n")[0]}`;
  }
}

const mounted = requireService({
  service: "A small tmpfs (the full-disk test)",
  missing: mountTinyFilesystem(),
  install: "run the tests as root, where `mount -t tmpfs` is allowed",
});

afterAll(() => {
  if (mounted) execFileSync("umount", [mountPoint]);
  rmSync(folder, { recursive: true, force: true });
});

describe.skipIf(!mounted)("the ledger on a full filesystem", () => {
  it("loses no call, keeps what fits and counts the rest", async () => {
    const path = join(mountPoint, "usage.db");
    const diagnostics: string[] = [];
    const meter = createMeter({
      ledger: path,
      pricing: false,
      diagnostics: (_level, message) => diagnostics.push(message),
    });
    let thrown = 0;
    for (let call = 0; call < CALLS; call++) {
      try {
        meter.record({
          provider: "openai",
          model: "gpt-4o-mini",
          inputTokens: 1000 + call,
          outputTokens: 200,
          tenantId: `tenant-${call % 7}`,
        });
      } catch {
        thrown += 1;
      }
      // Let the writer run now and then, as an application's awaits would.
      if (call % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(thrown).toBe(0);
    const { lostByLedger } = await meter.shutdown();
    expect(meter.getHealth().droppedBySink.ledger).toBe(lostByLedger);

    const database = new DatabaseSync(path, { readOnly: true });
    const { rows } = database.prepare("SELECT count(*) AS rows FROM events").get() as {
      rows: number;
    };
    database.close();
    // The disk really filled up (some were lost) and what fitted was kept (some were written).
    expect(lostByLedger).toBeGreaterThan(0);
    expect(rows).toBeGreaterThan(0);
    expect(rows + lostByLedger).toBe(CALLS);
    expect(
      diagnostics.some((message) =>
        message.includes(`${lostByLedger} events could not be written`),
      ),
    ).toBe(true);
  });
});
