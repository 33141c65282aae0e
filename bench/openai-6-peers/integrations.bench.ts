/**
 * What instrumenting an OpenAI client costs: the CPU time added per call against the bare SDK, for
 * llmeter's `instrumentOpenAI` and, side by side in the same run, the OpenTelemetry contrib
 * (`@opentelemetry/instrumentation-openai`) and OpenLLMetry (`@traceloop/instrumentation-openai`)
 * instrumentations, each with a registered TracerProvider exporting to memory.
 *
 * Workloads: a chat completion, and chat completions streamed in 10 and in 50 content chunks (the
 * difference gives the cost per chunk through the SDK), served by
 * the mock provider. Two transports: `memory` replays the mock's recorded bytes through the SDK's
 * `fetch` option (no sockets, so the instrumentation's own cost is not drowned by loopback noise),
 * and `loopback` goes to the mock server over TCP (end to end). All variants run in one process,
 * so they share one JIT and heap state.
 *
 * Method: whole rounds. A round is a batch of calls of one variant (the event loop turns once
 * after each call, as an application's I/O would make it, so the meter drains per call as in
 * production), then `meter.flush()` so whatever background work the round caused is inside its
 * measurement, whatever the meter's scheduling. A round's CPU time (process.cpuUsage: every
 * thread, so GC and JIT work the calls cause count too) divided by its calls is the variant's
 * cost per call; rounds of every variant alternate in rotating order, and "added" is the median,
 * over rotations, of a variant's round minus the bare round of the same rotation.
 *
 * Why rounds, when this benchmark used to time each call alone (process.cpuUsage() around every
 * call, the peers' prototype patches switched on and off around every call, one setImmediate
 * after each call for the meter's drain): that caught the meter's background work only while the
 * meter drains on the next setImmediate (its scheduling is being changed), put a getrusage() pair
 * in every sample, and made every prototype switch (which invalidates V8's inline caches for code
 * that went through those prototypes) land on whichever call came next. Rounds count all
 * background work, switch each peer once per round (spread over the round, as an application
 * pays it once), and treat every variant alike. Measured on the previous llmeter code, the change
 * of method left llmeter's figure where it was (in-memory chat: +28-41 µs per call timed call by
 * call, +21-44 µs in rounds) but lowered the peers' (+51-93 µs call by call, +31-68 µs in rounds):
 * the switching was charged mostly to the peers, so the old method flattered llmeter.
 *
 * Why bench/openai-6-peers/otel.bench.ts shows llmeter much cheaper (+3-13 µs a plain call): its 1,000 awaited
 * calls use an in-process fetch that never lets the event loop turn, so the meter drains all of a
 * round's events at once, at flush. Here the loop turns after each call, as it does between an
 * application's network calls, and the meter drains every event on its own; its fixed cost per
 * drain (a setImmediate, a sink delivery with its async functions and one sink call) then is
 * paid per call: 7-13 µs of the difference, measured with both loops on the same client. Both
 * figures are right for their loop; this one is what an application doing I/O pays.
 *
 * Run: node_modules/.bin/node bench/openai-6-peers/integrations.bench.ts [--rounds 5]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import OpenAI from "openai";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { ChatStreamHandler } from "../../src/integrations/openai/openai-stream-handlers.ts";
import { StreamWatch } from "../../src/integrations/shared/stream-watch.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createNoopMeter } from "../../src/meter/noop-meter.ts";
import type { Meter } from "../../src/meter/types.ts";
import { startMockProvider } from "../../src/testing/index.ts";

const VARIANTS = [
  "llmeter",
  "llmeter-no-inject",
  "integration-only",
  "otel-contrib",
  "traceloop",
  "bare-usage",
] as const;
type Variant = (typeof VARIANTS)[number];
const TRANSPORTS = ["memory", "loopback"] as const;
type Transport = (typeof TRANSPORTS)[number];
const CHUNKS = 50;
/** A shorter stream: the per-chunk cost is the difference between the two streams per chunk. */
const SHORT_CHUNKS = 10;
/** Calls per round and rotations (× --rounds) of each workload, per transport. */
// Short rounds, many rotations: on a shared machine the noise comes in bursts of milliseconds, so
// a variant's round and the bare round it is compared with should be close in time.
const SCENARIOS = [
  {
    name: "chat",
    stream: false,
    chunks: CHUNKS,
    callsPerRound: { memory: 50, loopback: 20 },
    rotations: 16,
  },
  {
    name: `chat stream (${SHORT_CHUNKS} chunks)`,
    stream: true,
    chunks: SHORT_CHUNKS,
    callsPerRound: { memory: 20, loopback: 10 },
    rotations: 16,
  },
  {
    name: `chat stream (${CHUNKS} chunks)`,
    stream: true,
    chunks: CHUNKS,
    callsPerRound: { memory: 10, loopback: 5 },
    rotations: 16,
  },
] as const;

interface Measurement {
  variant: Variant;
  transport: Transport;
  scenario: string;
  bareMicros: number;
  instrumentedMicros: number;
  addedMicros: number;
}

const messages = [{ role: "user" as const, content: "Benchmark prompt: say something short." }];

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * A `fetch` that asks the mock once per distinct request shape, then replays the recorded bytes,
 * one SSE event per body chunk as the network would deliver them.
 */
function createReplayFetch(): typeof fetch {
  const recordings = new Map<
    string,
    Promise<{ status: number; headers: [string, string][]; parts: Uint8Array[] }>
  >();
  const encoder = new TextEncoder();
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === "string" ? init.body : "";
    const key = `${url} stream=${body.includes('"stream":true')} usage=${body.includes('"include_usage":true')}`;
    let recording = recordings.get(key);
    if (recording === undefined) {
      recording = fetch(url, { method: init?.method, headers: init?.headers, body }).then(
        async (response) => {
          const text = await response.text();
          const parts = text.includes("\n\n")
            ? text
                .split(/(?<=\n\n)/)
                .filter((part) => part !== "")
                .map((part) => encoder.encode(part))
            : [encoder.encode(text)];
          return { status: response.status, headers: [...response.headers], parts };
        },
      );
      recordings.set(key, recording);
    }
    const { status, headers, parts } = await recording;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    return new Response(stream, { status, headers });
  };
}

/** On/off switches for the peers' prototype patches, and a count of the spans they produced. */
interface Peers {
  use(variant: Variant): void;
  spans(variant: Variant): number;
}

/**
 * Sets up both peers on one TracerProvider exporting to memory. They are patched by hand (as
 * `manuallyInstrument` does) rather than through module-load hooks, so each call can run with
 * exactly one of them, or none, in place.
 */
async function setUpPeers(): Promise<Peers> {
  const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import(
    "@opentelemetry/sdk-trace"
  );
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { context, metrics, trace } = await import("@opentelemetry/api");
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  // What the 2.x NodeTracerProvider.register() did: a global provider and async context.
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const instrumentations = {
    "otel-contrib": new (
      await import("@opentelemetry/instrumentation-openai")
    ).OpenAIInstrumentation(),
    traceloop: new (await import("@traceloop/instrumentation-openai")).OpenAIInstrumentation(),
  };
  const moduleExports = { OpenAI };
  const switches = new Map<Variant, { on(): void; off(): void }>();
  for (const [name, instrumentation] of Object.entries(instrumentations)) {
    instrumentation.setTracerProvider(provider);
    // The contrib instrumentation also records metrics; the API's no-op MeterProvider gives it
    // its instruments without exporting anything.
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    const definition = instrumentation.getModuleDefinitions()[0];
    const patch = definition?.patch;
    const unpatch = definition?.unpatch;
    if (patch === undefined || unpatch === undefined)
      throw new Error(`${name}: no module definition to patch openai with`);
    switches.set(name as Variant, {
      on: () => patch(moduleExports, "6"),
      off: () => unpatch(moduleExports, "6"),
    });
  }
  let active: Variant | undefined;
  const spanCounts = new Map<Variant, number>();
  return {
    use(variant) {
      const wanted = switches.has(variant) ? variant : undefined;
      if (active === wanted) return;
      if (active !== undefined) {
        switches.get(active)?.off();
        spanCounts.set(active, (spanCounts.get(active) ?? 0) + exporter.getFinishedSpans().length);
        exporter.reset();
      }
      if (wanted !== undefined) switches.get(wanted)?.on();
      active = wanted;
    },
    spans(variant) {
      return spanCounts.get(variant) ?? 0;
    },
  };
}

async function callOnce(client: OpenAI, stream: boolean, askUsage = false): Promise<void> {
  if (!stream) {
    await client.chat.completions.create({ model: "gpt-4o-mini", messages });
    return;
  }
  const chunks = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    stream: true,
    // The caller asking for stream usage itself: the request llmeter's usage injection makes.
    ...(askUsage ? { stream_options: { include_usage: true } } : {}),
  });
  for await (const _chunk of chunks) {
    // read every chunk, as an application would
  }
}

/** A meter that takes every call and records nothing: isolates the integration's own cost. */
function createStubMeter(): Meter {
  const real = createNoopMeter();
  const tracker = real.start({ provider: "openai", model: "stub" });
  return { ...real, enabled: true, start: () => tracker } as Meter;
}

const turnEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * CPU time per call (user + system, µs) of a round of `calls` calls, background work included: the
 * event loop turns after each call (the meter drains then, as it would between an application's
 * I/O), and the meter is flushed before the clock stops. The mock server runs in this process too,
 * the same for every variant.
 */
async function timeRound(
  client: OpenAI,
  stream: boolean,
  calls: number,
  flush: () => Promise<void>,
  askUsage = false,
): Promise<number> {
  const started = process.cpuUsage();
  for (let call = 0; call < calls; call++) {
    await callOnce(client, stream, askUsage);
    await turnEventLoop();
  }
  await flush();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

async function runAll(rounds: number): Promise<Measurement[]> {
  const mocks = {
    [CHUNKS]: await startMockProvider({ chunks: CHUNKS, replyWords: CHUNKS }),
    [SHORT_CHUNKS]: await startMockProvider({ chunks: SHORT_CHUNKS, replyWords: SHORT_CHUNKS }),
  };
  const events = { count: 0 };
  const meter = createMeter({
    sinks: [
      () => {
        events.count += 1;
      },
    ],
    ledger: false,
    configContext: { env: {}, cwd: mkdtempSync(join(tmpdir(), "llmeter-bench-")) },
  });
  // Every round ends with it, whichever variant ran: the same work for all.
  const flush = () => meter.flush();
  const peers = await setUpPeers();
  const results: Measurement[] = [];
  for (const transport of TRANSPORTS) {
    for (const scenario of SCENARIOS) {
      const mock = mocks[scenario.chunks];
      const makeClient = () =>
        new OpenAI({
          baseURL: mock.openaiBaseUrl,
          apiKey: "test",
          // The SDK's default: a pooled keep-alive socket the server just closed is retried, as in
          // production, instead of failing the run.
          maxRetries: 2,
          ...(transport === "memory" ? { fetch: createReplayFetch() } : {}),
        });
      const bare = makeClient();
      const clients: Record<Variant | "bare", OpenAI> = {
        bare,
        llmeter: instrumentOpenAI(makeClient(), { meter }),
        "llmeter-no-inject": instrumentOpenAI(makeClient(), { meter, injectStreamUsage: false }),
        // instrumentOpenAI on a meter whose trackers do nothing, without usage injection: the
        // integration's own JavaScript, without the meter's per-event work (validation, pricing,
        // sinks) and without the bigger response that asking for stream usage brings.
        "integration-only": instrumentOpenAI(makeClient(), {
          meter: createStubMeter(),
          injectStreamUsage: false,
        }),
        // The peers patch the SDK's prototypes: they measure a plain client.
        "otel-contrib": bare,
        traceloop: bare,
        // No instrumentation: the bare SDK asking for stream usage itself, as llmeter's injection
        // does. Its "added" is what the bigger response costs the SDK.
        "bare-usage": bare,
      };
      const sides = ["bare", ...VARIANTS] as const;
      const calls = scenario.callsPerRound[transport];
      // Warm-up: JIT, connection pools, replay recordings.
      for (let warmUp = 0; warmUp < 3; warmUp++) {
        for (const side of sides) {
          peers.use(side as Variant);
          await timeRound(clients[side], scenario.stream, calls, flush, side === "bare-usage");
        }
      }
      const times = new Map<string, number[]>(sides.map((side) => [side, []]));
      const added = new Map<string, number[]>(VARIANTS.map((variant) => [variant, []]));
      const rotations = scenario.rotations * rounds;
      for (let rotation = 0; rotation < rotations; rotation++) {
        // Rotate the order so that no variant always runs first or after the same one.
        const order = sides.map((_, index) => sides[(index + rotation) % sides.length]!);
        if (rotation % 2 === 1) order.reverse();
        const roundTimes = new Map<string, number>();
        for (const side of order) {
          peers.use(side as Variant);
          roundTimes.set(
            side,
            await timeRound(clients[side], scenario.stream, calls, flush, side === "bare-usage"),
          );
        }
        const bareTime = roundTimes.get("bare") ?? 0;
        for (const side of sides) times.get(side)?.push(roundTimes.get(side) ?? 0);
        for (const variant of VARIANTS)
          added.get(variant)?.push((roundTimes.get(variant) ?? 0) - bareTime);
      }
      peers.use("bare" as Variant);
      for (const variant of VARIANTS) {
        results.push({
          variant,
          transport,
          scenario: scenario.name,
          bareMicros: median(times.get("bare") ?? []),
          instrumentedMicros: median(times.get(variant) ?? []),
          addedMicros: median(added.get(variant) ?? []),
        });
      }
    }
  }
  await meter.flush();
  // Proof that each instrumentation did its work during the run.
  for (const [variant, recorded] of [
    ["llmeter", events.count],
    ["otel-contrib", peers.spans("otel-contrib")],
    ["traceloop", peers.spans("traceloop")],
  ] as const) {
    if (recorded === 0)
      throw new Error(`${variant} recorded nothing: the benchmark is not measuring it`);
  }
  await meter.shutdown();
  await Promise.all(Object.values(mocks).map((mock) => mock.close()));
  return results;
}

/**
 * llmeter's per-chunk work alone, without the SDK's parsing or any I/O: the same 50 chat chunks
 * (parsed fresh each time, as the SDK hands them out) read bare, and through the stream watch and
 * chat handler, with and without the `usage: null` field that usage injection adds.
 */
async function measureChunkWork(
  rounds: number,
): Promise<Array<{ name: string; perChunkMicros: number }>> {
  const chunk = (withUsage: boolean) =>
    JSON.stringify({
      id: "chatcmpl-bench",
      object: "chat.completion.chunk",
      created: 0,
      model: "gpt-4o-mini-2024-07-18",
      service_tier: "default",
      system_fingerprint: "fp_bench",
      choices: [{ index: 0, delta: { content: "word " }, logprobs: null, finish_reason: null }],
      ...(withUsage ? { usage: null } : {}),
    });
  const texts = { plain: chunk(false), withUsage: chunk(true) };
  async function* source(
    text: string,
  ): AsyncGenerator<{ choices: Array<{ delta: { content: string } }> }> {
    for (let index = 0; index < CHUNKS; index++) yield JSON.parse(text);
  }
  let sink = 0;
  const read = async (
    iterable: AsyncIterable<{ choices: Array<{ delta: { content: string } }> }>,
  ) => {
    for await (const value of iterable) sink += value.choices[0]?.delta.content.length ?? 0;
  };
  const tracker = createNoopMeter().start({ provider: "openai", model: "gpt-4o-mini" });
  const watched = (text: string, hideUsage: boolean) =>
    new StreamWatch(new ChatStreamHandler(tracker, hideUsage, undefined)).wrap(
      source(text) as AsyncGenerator<never>,
    ) as AsyncIterable<{ choices: Array<{ delta: { content: string } }> }>;
  const cases: Array<[string, () => Promise<void>, () => Promise<void>]> = [
    [
      "watch + chat handler",
      () => read(source(texts.plain)),
      () => read(watched(texts.plain, false)),
    ],
    [
      "  + hiding usage: null",
      () => read(source(texts.plain)),
      () => read(watched(texts.withUsage, true)),
    ],
  ];
  const results: Array<{ name: string; perChunkMicros: number }> = [];
  const streams = 2000 * rounds;
  for (const [name, bare, instrumented] of cases) {
    const differences: number[] = [];
    for (let index = 0; index < streams; index++) {
      const first = index % 2 === 0 ? bare : instrumented;
      const second = index % 2 === 0 ? instrumented : bare;
      let started = performance.now();
      await first();
      const firstTime = performance.now() - started;
      started = performance.now();
      await second();
      const secondTime = performance.now() - started;
      const [bareTime, instrumentedTime] =
        index % 2 === 0 ? [firstTime, secondTime] : [secondTime, firstTime];
      differences.push(((instrumentedTime - bareTime) * 1000) / CHUNKS);
    }
    results.push({ name, perChunkMicros: median(differences.slice(streams / 10)) });
  }
  if (sink === 0) throw new Error("the chunk benchmark read nothing");
  return results;
}

function format(value: number, digits = 1): string {
  return value.toFixed(digits).padStart(9);
}

async function main(): Promise<void> {
  const rounds = Number(argument("rounds") ?? 5);
  const all = await runAll(rounds);
  console.log(
    `Added CPU time per OpenAI call vs the bare SDK (µs; whole rounds, median over ${SCENARIOS[0].rotations * rounds} rotations of all variants; node ${process.version})\n`,
  );
  console.log(
    `${"transport".padEnd(9)} ${"workload".padEnd(24)} ${"variant".padEnd(17)} ${"bare".padStart(9)} ${"instr.".padStart(9)} ${"added".padStart(9)} ${"same req.".padStart(9)} ${"per chunk".padStart(9)}`,
  );
  const find = (variant: Variant, transport: Transport, scenario: string) =>
    all.find(
      (entry) =>
        entry.variant === variant && entry.transport === transport && entry.scenario === scenario,
    );
  const shortStream = SCENARIOS.find((scenario) => scenario.chunks === SHORT_CHUNKS)!;
  for (const transport of TRANSPORTS) {
    for (const scenario of SCENARIOS) {
      for (const variant of VARIANTS) {
        const row = find(variant, transport, scenario.name);
        if (row === undefined) continue;
        // llmeter's injected request against the bare SDK making that same request.
        const sameRequest =
          variant === "llmeter" && scenario.stream
            ? format(
                row.addedMicros - (find("bare-usage", transport, scenario.name)?.addedMicros ?? 0),
              )
            : "".padStart(9);
        // Through the SDK: (added on the long stream - added on the short one) / extra chunks.
        const short = find(variant, transport, shortStream.name);
        const perChunk =
          scenario.stream && scenario.chunks === CHUNKS && short !== undefined
            ? format((row.addedMicros - short.addedMicros) / (CHUNKS - SHORT_CHUNKS), 2)
            : "".padStart(9);
        console.log(
          `${transport.padEnd(9)} ${scenario.name.padEnd(24)} ${variant.padEnd(17)} ${format(row.bareMicros)} ${format(row.instrumentedMicros)} ${format(row.addedMicros)} ${sameRequest} ${perChunk}`,
        );
      }
    }
  }
  console.log(
    [
      "",
      "'per chunk' is the cost of one more chunk through the SDK: (added on the 50-chunk stream - added",
      `on the ${SHORT_CHUNKS}-chunk stream) / ${CHUNKS - SHORT_CHUNKS}; per-call costs cancel out.`,
      "llmeter asks OpenAI for stream usage (include_usage) and gets exact tokens; the peers record",
      "none on such streams. The server then sends `usage: null` on every chunk and one more chunk,",
      "which the SDK parses: 'bare-usage' is the bare SDK making that same request itself, and 'same",
      "req.' is llmeter's added time against it (llmeter's own cost on the request it makes).",
      "'llmeter-no-inject' (injectStreamUsage: false) makes the peers' request. 'integration-only' is",
      "instrumentOpenAI (no injection) on a meter whose trackers do nothing: the integration's own",
      "JavaScript, without the meter's per-event work.",
      "Targets: llmeter under half of either peer's added time; under 0.5 µs per chunk.",
    ].join("\n"),
  );
  const chunkWork = await measureChunkWork(rounds);
  console.log(
    `\nllmeter's own work per stream chunk (µs, no SDK parsing, no I/O; median of ${2000 * rounds} streams of ${CHUNKS})`,
  );
  for (const row of chunkWork)
    console.log(`${row.name.padEnd(28)} ${format(row.perChunkMicros, 3)}`);
}

await main();
