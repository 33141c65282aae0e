// Added time per track() call against a bare call: disabled, enabled, enabled with a sink.
// Run: node_modules/.bin/node bench/meter.bench.ts
import { createMeter } from "../src/meter/create-meter.ts";
import { nanosecondsPerCall, printTable } from "./measure.ts";

const quiet = {
  configContext: { env: { LLMETER_CONFIG: "/nonexistent/llmeter-config.json" } },
  diagnostics: () => {},
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
// The background side: enrichment (validation, attribution, pricing) and sink delivery, per event.
const throughputMeter = createMeter({ ...quiet, sinks: [() => {}] });
const events = 200_000;
const start = process.hrtime.bigint();
for (let index = 0; index < events; index++) {
  throughputMeter.track(info, (tracker) =>
    tracker.setTokens({ inputTokens: 100, outputTokens: 20 }),
  );
  if (index % 10_000 === 9_999) await throughputMeter.flush();
}
await throughputMeter.flush();
const totalNs = Number(process.hrtime.bigint() - start) / events;
console.log(
  `caller + background work per event, end to end: ${(totalNs / 1000).toFixed(2)} µs (${Math.round(1e9 / totalNs).toLocaleString("en")} events/s)`,
);
console.log("targets: disabled indistinguishable from bare; enabled < 2 µs added per call");
await Promise.all([enabled.shutdown(), withSink.shutdown()]);
