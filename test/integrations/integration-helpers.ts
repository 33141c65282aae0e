import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import {
  type MockProvider,
  type MockProviderOptions,
  startMockProvider,
} from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";

/** A meter whose events land in an array; `recorded()` flushes and returns them. */
export interface CollectingMeter {
  meter: Meter;
  events: UsageEvent[];
  /** What the meter reported about itself (e.g. events it had to correct). */
  diagnostics: string[];
  recorded(): Promise<UsageEvent[]>;
}

/** A real meter with a collecting sink, isolated from the machine's LLMETER_* settings. */
export function createCollectingMeter(): CollectingMeter {
  const events: UsageEvent[] = [];
  const diagnostics: string[] = [];
  const meter = createMeter({
    sinks: [
      (event) => {
        events.push(event);
      },
    ],
    ledger: false,
    configContext: { env: {}, cwd: mkdtempSync(join(tmpdir(), "llmeter-int-")) },
    // Kept, not printed: a test asserts that instrumented events needed no correction.
    diagnostics: (level, message) => {
      diagnostics.push(`${level}: ${message}`);
    },
  });
  return {
    meter,
    events,
    diagnostics,
    async recorded() {
      await meter.flush();
      return events;
    },
  };
}

/**
 * Two identical mock providers: one for a bare SDK client, one for the instrumented client. Fed
 * the same requests in the same order, they hand out the same ids, so results compare exactly.
 */
export async function startMockPair(
  options: MockProviderOptions = {},
): Promise<{ bare: MockProvider; instrumented: MockProvider; close(): Promise<void> }> {
  const [bare, instrumented] = await Promise.all([
    startMockProvider(options),
    startMockProvider(options),
  ]);
  return {
    bare,
    instrumented,
    async close() {
      await Promise.all([bare.close(), instrumented.close()]);
    },
  };
}

/** JSON text of a result with the wall-clock second stamps (`created`, `created_at`) zeroed. */
export function comparable(value: unknown): string {
  return JSON.stringify(value, (key, field) =>
    key === "created" || key === "created_at" ? 0 : field,
  );
}

/** Reads a whole async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
