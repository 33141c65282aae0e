// Added time per track() call against a bare call: disabled, enabled, enabled with a sink; then the
// whole added CPU per event, background work included, for events arriving in a batch or one per
// event-loop turn.
// Run: node_modules/.bin/node bench/meter.bench.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMeter } from "../src/meter/create-meter.ts";
import type { Meter } from "../src/meter/types.ts";
import { median, nanosecondsPerCall, printTable } from "./measure.ts";

// No ledger unless a variant asks for one (in a temporary folder): never `.llmeter/` of the cwd.
const quiet = {
  configContext: { env: { LLMETER_CONFIG: "none" } },
  diagnostics: () => {},
  ledger: false,
};
const info = { provider: "openai", model: "gpt-4o-mini" };
let sink = 0;
const work = (index: number) => index * 2;

const disabled = createMeter({ ...quiet, enabled: false });
const enabled = createMeter({ ...quiet, pricing: undefined });
const withSink = createMeter({
  ...quiet,
  sinks: [
    (event) => {
      sink += event.inputTokens ?? 0;
    },
  ],
});

const bare = await nanosecondsPerCall((index) => work(index));
const measured = [
  {
    variant: "disabled meter",
    ns: await nanosecondsPerCall((index) => disabled.track(info, () => work(index))),
  },
  {
    variant: "enabled, setTokens",
    ns: await nanosecondsPerCall((index) =>
      enabled.track(info, (tracker) => {
        tracker.setTokens({ inputTokens: 100, outputTokens: 20 });
        return work(index);
      }),
    ),
  },
  {
    variant: "enabled + sink, setTokens",
    ns: await nanosecondsPerCall((index) =>
      withSink.track(info, (tracker) => {
        tracker.setTokens({ inputTokens: 100, outputTokens: 20 });
        return work(index);
      }),
    ),
  },
  {
    variant: "record() fire-and-forget",
    ns: await nanosecondsPerCall(() => enabled.recordLlm({ ...info, inputTokens: 10 })),
  },
];

printTable("meter: caller-side time per call (median of 7 runs × 200,000 calls)", [
  { variant: "bare call", "ns/call": bare.toFixed(1), "added µs": "-" },
  ...measured.map(({ variant, ns }) => ({
    variant,
    "ns/call": ns.toFixed(1),
    "added µs": ((ns - bare) / 1000).toFixed(3),
  })),
]);
// The background side: enrichment (validation, attribution, pricing), the live window and sink
// delivery, per event, in CPU time (process.cpuUsage: every thread, so GC and JIT work the calls
// cause count too). Rounds of each variant alternate with a bare round of the same loop; "added" is
// the median over rotations of a variant's round minus the bare round next to it. Every round ends
// with `flush()`, so all background work a round caused is inside it, whatever the scheduling.
// Two ways events arrive:
// - batch: 1,000 calls back to back, the event loop never turning: the meter drains them at once;
// - one per loop turn: the loop turns (setImmediate) after each call, as it does between an
//   application's network calls. With `batchWindowMs: 0` every event is then processed alone, and
//   pays the meter's fixed cost per drain and cold CPU caches; the default window (10 ms) gathers
//   the events of calls made one after another and processes them together.
const ledgerDirectory = mkdtempSync(join(tmpdir(), "llmeter-meter-bench-"));
const backgroundMeters = {
  "no sink, no ledger": createMeter(quiet),
  "no sink, batchWindowMs: 0": createMeter({ ...quiet, batchWindowMs: 0 }),
  "one callback sink": createMeter({ ...quiet, sinks: [() => {}] }),
  "SQLite ledger": createMeter({ ...quiet, ledger: join(ledgerDirectory, "usage.db") }),
  "SQLite ledger, batchWindowMs: 0": createMeter({
    ...quiet,
    ledger: join(ledgerDirectory, "usage-no-window.db"),
    batchWindowMs: 0,
  }),
};
const turnEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const ARRIVALS = [
  { name: "batch of 1,000", calls: 1000, turn: false },
  { name: "one per loop turn", calls: 300, turn: true },
] as const;

async function cpuPerCall(meter: Meter | undefined, calls: number, turn: boolean): Promise<number> {
  const started = process.cpuUsage();
  for (let index = 0; index < calls; index++) {
    if (meter === undefined) work(index);
    else
      meter.track(info, (tracker) => {
        tracker.setTokens({ inputTokens: 100, outputTokens: 20 });
        return work(index);
      });
    if (turn) await turnEventLoop();
  }
  await meter?.flush();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

const rotations = 30;
const added = new Map<string, number[]>();
for (let rotation = 0; rotation < rotations + 3; rotation++) {
  for (const arrival of ARRIVALS) {
    for (const [name, meter] of Object.entries(backgroundMeters)) {
      const bareMicroseconds = await cpuPerCall(undefined, arrival.calls, arrival.turn);
      const meterMicroseconds = await cpuPerCall(meter, arrival.calls, arrival.turn);
      // The first rotations warm up the JIT and fill the live window: not counted.
      if (rotation < 3) continue;
      const key = `${arrival.name}\u0000${name}`;
      added.set(key, [...(added.get(key) ?? []), meterMicroseconds - bareMicroseconds]);
    }
  }
}
printTable(
  `meter: added CPU per event, caller + background, end to end (median of ${rotations} alternating rounds)`,
  [...added].map(([key, values]) => {
    const [arrival, variant] = key.split("\u0000");
    const sorted = [...values].sort((a, b) => a - b);
    const quartile = (fraction: number) => sorted[Math.floor(fraction * (sorted.length - 1))]!;
    return {
      arrival: arrival!,
      variant: variant!,
      "added µs/event": median(values).toFixed(2),
      "middle half": `${quartile(0.25).toFixed(2)}–${quartile(0.75).toFixed(2)}`,
    };
  }),
);
console.log("targets: disabled indistinguishable from bare; enabled < 2 µs added per call");
await Promise.all(
  [enabled, withSink, ...Object.values(backgroundMeters)].map((meter) => meter.shutdown()),
);
rmSync(ledgerDirectory, { recursive: true, force: true });
