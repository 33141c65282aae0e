// What the OpenTelemetry path adds per call: OTel off (nothing registered), on (real SDK providers
// with span + metrics + log per call), and side by side with @opentelemetry/instrumentation-openai.
// The one-process comparison also has an "SDK alone" variant: the same span, log record and metric
// points llmeter emits for the call, made by hand straight through the OpenTelemetry SDK with no
// llmeter code at all. It is the floor any instrumentation emitting that output pays.
// Run: node_modules/.bin/node bench/openai-6-peers/otel.bench.ts [--repeat=3] [--meter-only]
//
// Each OpenAI variant runs in its own child process: the peer instrumentation patches the `openai`
// module for the whole process, so variants must not share one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Attributes, context, logs, metrics, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { createMeter } from "../../src/meter/create-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import { CallShapeCache, eventAttributes } from "../../src/otel/event-attributes.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { median, nanosecondsPerCall, printTable } from "../measure.ts";

// An empty directory and environment: no .llmeter/config.json or LLMETER_* variable applies,
// and no ledger: we measure the OpenTelemetry path, not SQLite.
const emptyDirectory = mkdtempSync(join(tmpdir(), "llmeter-otel-bench-"));
process.on("exit", () => rmSync(emptyDirectory, { recursive: true, force: true }));
const quiet = {
  configContext: { env: {}, cwd: emptyDirectory },
  store: false as const,
  diagnostics: () => {},
};
const info = { provider: "openai", model: "gpt-4o-mini" };
const CALLER_OPTIONS = { iterations: 50_000, runs: 7, batch: 5_000 };

/** What the discarding exporters were handed, to show that each variant really exported. */
const exported = { spans: 0, logs: 0 };

/** Exporters that count and drop everything: we measure our work, not a network. */
function discard(signal?: "spans" | "logs") {
  return {
    export: (items: unknown[], done: (result: { code: number }) => void) => {
      if (signal !== undefined) exported[signal] += items.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

/** Registers real SDK providers globally, as an application's OpenTelemetry setup does. */
function registerSdk(): () => Promise<void> {
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({ exporter: discard("spans") as never, maxQueueSize: 100_000 }),
    ],
  });
  // What the 2.x NodeTracerProvider.register() did: a global provider and async context.
  trace.setGlobalTracerProvider(tracerProvider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: {
          ...discard(),
          selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
        } as never,
        exportIntervalMillis: 1000,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor({ exporter: discard("logs") as never, maxQueueSize: 100_000 }),
    ],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  return async () => {
    await Promise.all([
      tracerProvider.shutdown(),
      meterProvider.shutdown(),
      loggerProvider.shutdown(),
    ]);
  };
}

/** CPU time of the process per call, the caller's part and the background work (span, metrics,
 * log) the call causes alike. CPU time, not wall time: benchmarks share a busy machine. */
async function cpuNanosecondsPerCall(meter: Meter, calls = 20_000, runs = 7): Promise<number> {
  const results: number[] = [];
  for (let run = 0; run < runs; run++) {
    const before = process.cpuUsage();
    for (let index = 0; index < calls; index++)
      meter.track(info, (tracker) => tracker.setTokens({ inputTokens: 100, outputTokens: 20 }));
    await meter.flush();
    const used = process.cpuUsage(before);
    results.push(((used.user + used.system) * 1000) / calls);
  }
  return median(results);
}

async function meterSection(): Promise<void> {
  const track = (meter: Meter) => () =>
    meter.track(info, (tracker) => tracker.setTokens({ inputTokens: 100, outputTokens: 20 }));
  const rows: Array<Record<string, string>> = [];
  const add = (variant: string, caller: number, total: number) =>
    rows.push({
      variant,
      "caller wall ns/call": caller.toFixed(0),
      "CPU ns/call (caller + background)": total.toFixed(0),
    });

  const plain = createMeter({ ...quiet, instrumentations: [] });
  add(
    "llmeter, no OTel instrumentation",
    await nanosecondsPerCall(track(plain), CALLER_OPTIONS),
    await cpuNanosecondsPerCall(plain),
  );

  const { enableOtel } = await import("../../src/otel/index.ts");
  enableOtel();
  const otelOff = createMeter(quiet);
  add(
    "llmeter/otel imported, no provider registered",
    await nanosecondsPerCall(track(otelOff), CALLER_OPTIONS),
    await cpuNanosecondsPerCall(otelOff),
  );

  const shutdown = registerSdk();
  const otelOn = createMeter(quiet);
  add(
    "llmeter/otel + SDK providers (span + 5 metrics + log)",
    await nanosecondsPerCall(track(otelOn), CALLER_OPTIONS),
    await cpuNanosecondsPerCall(otelOn),
  );
  await otelOn.shutdown();
  await shutdown();
  printTable(
    "meter.track() with OpenTelemetry (median of 7 runs; caller: 50,000 calls, CPU: 20,000 calls)",
    rows,
  );
}

// ---- OpenAI client, side by side with @opentelemetry/instrumentation-openai ----

const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
});

/** The OpenAI SDK with an in-process fetch: no network, so only instrumentation time differs. */
function openAiClient(OpenAI: new (options: object) => unknown) {
  return new OpenAI({
    apiKey: "sk-bench",
    baseURL: "http://127.0.0.1:9/v1",
    fetch: async () =>
      new Response(completion, { status: 200, headers: { "content-type": "application/json" } }),
  }) as { chat: { completions: { create(body: object): Promise<unknown> } } };
}

/** CPU µs per call of `calls` awaited calls, plus what `after` waits for (background work). */
async function cpuMicrosecondsPerCall(
  call: () => Promise<unknown>,
  calls: number,
  after?: () => Promise<void>,
): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index++) await call();
  await after?.();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

/**
 * Bare and instrumented calls alternate round by round in one process, so that the machine's
 * noise (other work on a shared box) hits both alike; the added time is the median difference.
 */
async function openAiComparison(
  subject: "peer" | "llmeter" | "llmeter-no-otel",
): Promise<Record<string, number>> {
  const require = createRequire(import.meta.url);
  const shutdown = registerSdk();
  let peer: { enable(): void; disable(): void } | undefined;
  if (subject === "peer") {
    const { registerInstrumentations } = await import("@opentelemetry/instrumentation");
    const { OpenAIInstrumentation } = await import("@opentelemetry/instrumentation-openai");
    peer = new OpenAIInstrumentation();
    registerInstrumentations({ instrumentations: [peer as never] });
  }
  // Required after the peer instrumentation is registered, so that it patches this module.
  const { OpenAI } = require("openai") as { OpenAI: new (options: object) => unknown };
  const bareClient = openAiClient(OpenAI);
  let instrumented = bareClient;
  let meter: Meter | undefined;
  if (subject !== "peer") {
    // Without OpenTelemetry: what the integration and the meter cost on their own.
    meter = createMeter(subject === "llmeter" ? quiet : { ...quiet, instrumentations: [] });
    if (subject === "llmeter") await import("../../src/otel/index.ts");
    const { instrumentOpenAI } = await import("../../src/integrations/openai/index.ts");
    instrumented = instrumentOpenAI(openAiClient(OpenAI) as never, { meter }) as typeof bareClient;
  }
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
  const bare: number[] = [];
  const added: number[] = [];
  const calls = 1_000;
  // One warm-up round, then measured rounds.
  for (let round = 0; round <= 11; round++) {
    peer?.disable();
    const bareTime = await cpuMicrosecondsPerCall(
      () => bareClient.chat.completions.create(body),
      calls,
    );
    peer?.enable();
    // Our span, metrics and log are made off the caller's stack: flushing counts that work in.
    const instrumentedTime = await cpuMicrosecondsPerCall(
      () => instrumented.chat.completions.create(body),
      calls,
      async () => meter?.flush(),
    );
    if (round === 0) continue;
    bare.push(bareTime);
    added.push(instrumentedTime - bareTime);
  }
  await meter?.shutdown();
  await shutdown();
  return { bare: median(bare), added: median(added), spans: exported.spans, logs: exported.logs };
}

type ChatClient = ReturnType<typeof openAiClient>;

/**
 * A call that emits, straight through the OpenTelemetry SDK, exactly what llmeter emits for it
 * (the span started before the call with the sampling attributes, the call run inside it, the
 * other attributes at the end, one log record with the same attributes, the three metric points
 * of a plain call), with the attribute sets taken from a real llmeter event of the same call and
 * built once: no llmeter code runs per call. What this costs is the SDK's share of llmeter's.
 */
async function sdkOnlyCall(
  makeClient: () => ChatClient,
  instrument: (client: ChatClient, meter: Meter) => ChatClient,
  body: object,
): Promise<() => Promise<unknown>> {
  // Instrumenting changes the client it is given: the event comes from a client of its own.
  let event: UsageEvent | undefined;
  const capture = createMeter({
    ...quiet,
    instrumentations: [],
    sinks: [(recorded) => (event ??= recorded)],
  });
  await instrument(makeClient(), capture).chat.completions.create(body);
  await capture.shutdown();
  if (event === undefined) throw new Error("sdk-only variant: no event was recorded");
  const call = event;
  const options = { legacyAttributes: false, captureContent: false };
  const attributes = eventAttributes(call, options);
  const shape = new CallShapeCache(options).get(call);
  const tracer = trace.getTracer("sdk-only");
  const logger = logs.getLogger("sdk-only");
  const meter = metrics.getMeter("sdk-only");
  const tokenUsage = meter.createHistogram("gen_ai.client.token.usage");
  const duration = meter.createHistogram("gen_ai.client.operation.duration");
  const client = makeClient();
  return async () => {
    const parent = context.active();
    const span = tracer.startSpan(
      shape.spanName,
      { kind: SpanKind.CLIENT, attributes: shape.spanStartAttributes },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    const result = await context.with(spanContext, () => client.chat.completions.create(body));
    span.setAttributes(attributes as Attributes);
    span.end();
    logger.emit({
      eventName: "llmeter.usage",
      severityNumber: 9,
      severityText: "INFO",
      body: shape.spanName,
      attributes,
      context: spanContext,
    });
    tokenUsage.record(call.inputTokens ?? 0, shape.inputTokenAttributes);
    tokenUsage.record(call.outputTokens ?? 0, shape.outputTokenAttributes);
    duration.record((call.latencyMs ?? 0) / 1000, shape.metricAttributes);
    return result;
  };
}

/**
 * All five in one process, round by round in turn: bare, the peer (enabled only for its turn),
 * llmeter with OpenTelemetry, llmeter without, and the SDK alone making llmeter's output. Each
 * figure is that turn's time minus the same round's bare time, so a busy moment of a shared
 * machine hits everything alike. Our clients are instrumented while the peer is disabled, so they
 * wrap the SDK's own method, not the peer's.
 */
async function openAiTogether(): Promise<Record<string, number>> {
  const require = createRequire(import.meta.url);
  const shutdown = registerSdk();
  const { registerInstrumentations } = await import("@opentelemetry/instrumentation");
  const { OpenAIInstrumentation } = await import("@opentelemetry/instrumentation-openai");
  const peer = new OpenAIInstrumentation();
  registerInstrumentations({ instrumentations: [peer as never] });
  const { OpenAI } = require("openai") as { OpenAI: new (options: object) => unknown };
  peer.disable();
  await import("../../src/otel/index.ts");
  const { instrumentOpenAI } = await import("../../src/integrations/openai/index.ts");
  const withOtel = createMeter(quiet);
  const withoutOtel = createMeter({ ...quiet, instrumentations: [] });
  const bareClient = openAiClient(OpenAI);
  const ours = instrumentOpenAI(openAiClient(OpenAI) as never, {
    meter: withOtel,
  }) as typeof bareClient;
  const oursWithoutOtel = instrumentOpenAI(openAiClient(OpenAI) as never, {
    meter: withoutOtel,
  }) as typeof bareClient;
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
  const sdkOnly = await sdkOnlyCall(
    () => openAiClient(OpenAI),
    (client, meter) => instrumentOpenAI(client as never, { meter }) as ChatClient,
    body,
  );
  const calls = 500;
  const added = {
    peer: [] as number[],
    ours: [] as number[],
    withoutOtel: [] as number[],
    sdkOnly: [] as number[],
  };
  const bare: number[] = [];
  for (let round = 0; round <= 20; round++) {
    const bareTime = await cpuMicrosecondsPerCall(
      () => bareClient.chat.completions.create(body),
      calls,
    );
    peer.enable();
    const peerTime = await cpuMicrosecondsPerCall(
      () => bareClient.chat.completions.create(body),
      calls,
    );
    peer.disable();
    const oursTime = await cpuMicrosecondsPerCall(
      () => ours.chat.completions.create(body),
      calls,
      () => withOtel.flush(),
    );
    const withoutTime = await cpuMicrosecondsPerCall(
      () => oursWithoutOtel.chat.completions.create(body),
      calls,
      () => withoutOtel.flush(),
    );
    const sdkOnlyTime = await cpuMicrosecondsPerCall(sdkOnly, calls);
    if (round === 0) continue;
    bare.push(bareTime);
    added.peer.push(peerTime - bareTime);
    added.ours.push(oursTime - bareTime);
    added.withoutOtel.push(withoutTime - bareTime);
    added.sdkOnly.push(sdkOnlyTime - bareTime);
  }
  await Promise.all([withOtel.shutdown(), withoutOtel.shutdown()]);
  await shutdown();
  return {
    bare: median(bare),
    peer: median(added.peer),
    ours: median(added.ours),
    withoutOtel: median(added.withoutOtel),
    sdkOnly: median(added.sdkOnly),
    sdkOnlyRatio: median(added.sdkOnly) / median(added.peer),
    // A ratio of medians: the ratio of two small differences of one round swings too much.
    ratio: median(added.ours) / median(added.peer),
  };
}

async function openAiTogetherSection(): Promise<void> {
  const runs: Array<Record<string, number>> = [];
  for (let run = 0; run < OPENAI_REPEATS; run++) {
    const child = spawnSync(process.execPath, [import.meta.filename, "--openai=together"], {
      encoding: "utf8",
    });
    if (child.status !== 0)
      throw new Error(`openai together failed:\n${child.stderr}\n${child.stdout}`);
    runs.push(JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number>);
  }
  const row = (variant: string, field: string) => ({
    variant,
    "added CPU µs/call": median(runs.map((run) => run[field] ?? Number.NaN)).toFixed(1),
    "each run": runs.map((run) => run[field]?.toFixed(1)).join(" / "),
  });
  printTable(
    `The same, all in one process, in turn round by round (median of 20 rounds × 500 calls; median of ${OPENAI_REPEATS} runs; bare ${median(runs.map((run) => run.bare ?? Number.NaN)).toFixed(1)} µs/call)`,
    [
      row("@opentelemetry/instrumentation-openai 0.21", "peer"),
      row("llmeter instrumentOpenAI + llmeter/otel", "ours"),
      row("llmeter instrumentOpenAI, no OpenTelemetry (meter only)", "withoutOtel"),
      row("the OTel SDK alone making llmeter's span, log record and metric points", "sdkOnly"),
    ],
  );
  const percents = (field: string) => runs.map((run) => (run[field] ?? Number.NaN) * 100);
  const summary = (values: number[]) =>
    `${median(values).toFixed(0)}% (median of the runs: ${values.map((value) => `${value.toFixed(0)}%`).join(", ")})`;
  console.log(
    `In one process, llmeter's added time is ${summary(percents("ratio"))} of the peer's; the SDK alone making the same output costs ${summary(percents("sdkOnlyRatio"))} of it.`,
  );
}

/** How many times each OpenAI child runs, alternating, before taking medians: `--repeat=N`. */
const repeatFlag = process.argv.find((argument) => argument.startsWith("--repeat="));
const OPENAI_REPEATS = Math.max(1, Number(repeatFlag?.slice("--repeat=".length) ?? 3) || 3);

async function openAiSection(): Promise<void> {
  const measure = (subject: string) => {
    const child = spawnSync(process.execPath, [import.meta.filename, `--openai=${subject}`], {
      encoding: "utf8",
    });
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    if (child.status !== 0)
      throw new Error(`openai ${subject} failed:\n${child.stderr}\n${child.stdout}`);
    return JSON.parse(line) as Record<string, number>;
  };
  // The three children run in turn, several times: on a shared machine one run of each can land
  // in a busy and a quiet moment; the ratio is taken per round (peer and llmeter back to back).
  const runs: Array<Record<"peer" | "ours" | "withoutOtel", Record<string, number>>> = [];
  for (let round = 0; round < OPENAI_REPEATS; round++)
    runs.push({
      peer: measure("peer"),
      ours: measure("llmeter"),
      withoutOtel: measure("llmeter-no-otel"),
    });
  const medianOf = (subject: "peer" | "ours" | "withoutOtel", field: string) =>
    median(runs.map((run) => run[subject][field] ?? Number.NaN));
  const row = (variant: string, subject: "peer" | "ours" | "withoutOtel") => ({
    variant,
    "bare CPU µs/call": medianOf(subject, "bare").toFixed(1),
    "added CPU µs/call": medianOf(subject, "added").toFixed(1),
    "added, each run": runs.map((run) => run[subject].added?.toFixed(1)).join(" / "),
    "spans exported": runs[0]?.[subject].spans ?? 0,
    "log records exported": runs[0]?.[subject].logs ?? 0,
  });
  printTable(
    `OpenAI chat.completions.create with an in-process fetch: CPU time per call (each run: median of 11 alternating rounds × 1,000 calls; median of ${OPENAI_REPEATS} runs)`,
    [
      row("@opentelemetry/instrumentation-openai 0.21", "peer"),
      row("llmeter instrumentOpenAI + llmeter/otel", "ours"),
      row("llmeter instrumentOpenAI, no OpenTelemetry (meter only)", "withoutOtel"),
    ],
  );
  const ratios = runs.map((run) => ((run.ours.added ?? 0) / (run.peer.added ?? 1)) * 100);
  console.log(
    `llmeter's added time is ${median(ratios).toFixed(0)}% of the peer's (median of the runs: ${ratios.map((ratio) => `${ratio.toFixed(0)}%`).join(", ")}).`,
  );
}

const openAiFlag = process.argv.find((argument) => argument.startsWith("--openai="));
if (openAiFlag === "--openai=together") {
  console.log(JSON.stringify(await openAiTogether()));
} else if (openAiFlag !== undefined) {
  const requested = openAiFlag.slice("--openai=".length);
  const subject =
    requested === "peer" || requested === "llmeter-no-otel" ? requested : ("llmeter" as const);
  console.log(JSON.stringify(await openAiComparison(subject)));
} else {
  await meterSection();
  if (!process.argv.includes("--meter-only")) {
    await openAiSection();
    await openAiTogetherSection();
  }
}
