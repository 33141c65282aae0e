// What the meter's `otel` option and llmeter's own OTLP export cost.
// Run: node_modules/.bin/node bench/otel-export.bench.ts
//
// 1. Lazy loading: CPU from `createMeter({ otel: true })` until the OpenTelemetry module is ready
//    (first `flush()`), in fresh processes, against `createMeter()` in the same conditions.
// 2. Per call: `otel: true` against `import "llmeter/otel"` (enableOtel) on the same real SDK
//    providers: the option must cost no more than the import once loaded.
// 3. Export: CPU per call of llmeter's own pipeline (`otel: { endpoint, protocol }`) for each
//    protocol, everything sent (meter.shutdown()), against a meter without OpenTelemetry. The
//    loopback collectors run in a child process, so their decoding is not counted.
// CPU time (process.cpuUsage) and alternating rounds: the machine is shared, wall time is noise.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { logs, metrics, trace } from "@opentelemetry/api";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { createMeter, type MeterOptions } from "../src/meter/create-meter.ts";
import { disableOtel, enableOtel } from "../src/otel/enable-otel.ts";
import { median, printTable } from "./measure.ts";

const ROOT = resolve(import.meta.dirname, "..");
const NODE = process.execPath;
const workDirectory = mkdtempSync(join(tmpdir(), "llmeter-otel-export-bench-"));
process.on("exit", () => rmSync(workDirectory, { recursive: true, force: true }));
// No config file, no LLMETER_* variable, no ledger: only the OpenTelemetry path is measured.
const quiet = {
  configContext: { env: {}, cwd: workDirectory },
  store: false as const,
  diagnostics: () => {},
};
const ROUNDS = Number(process.env.OTEL_EXPORT_BENCH_ROUNDS ?? 7);

function cpuMicroseconds(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

// ---------------------------------------------------------------------------------------------
// 1. Lazy loading, in fresh processes.

const LOAD_SCRIPT = `
import { createMeter } from ${JSON.stringify(pathToFileURL(join(ROOT, "src/meter/create-meter.ts")).href)};
const otel = process.argv[2] === "on";
const before = process.cpuUsage();
const started = performance.now();
const meter = createMeter({ store: false, diagnostics: () => {}, configContext: { env: {}, cwd: process.cwd() }, ...(otel ? { otel: true } : {}) });
meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 10 });
await meter.flush();
const used = process.cpuUsage(before);
console.log(JSON.stringify({ cpuUs: used.user + used.system, wallMs: performance.now() - started }));
await meter.shutdown();
`;

function measureLoading(): Array<Record<string, string | number>> {
  const script = join(workDirectory, "load.mts");
  writeFileSync(script, LOAD_SCRIPT);
  const cpu: Record<"off" | "on", number[]> = { off: [], on: [] };
  const wall: Record<"off" | "on", number[]> = { off: [], on: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
      const result = spawnSync(NODE, [script, variant], { cwd: workDirectory, encoding: "utf8" });
      if (result.status !== 0) throw new Error(`load benchmark failed: ${result.stderr}`);
      const sample = JSON.parse(result.stdout.trim()) as { cpuUs: number; wallMs: number };
      cpu[variant].push(sample.cpuUs / 1000);
      wall[variant].push(sample.wallMs);
    }
  }
  const row = (variant: string, cpuMs: number, wallMs: number) => ({
    variant,
    "CPU ms": cpuMs.toFixed(1),
    "wall ms (noisy)": wallMs.toFixed(1),
  });
  return [
    row("createMeter() + first flush", median(cpu.off), median(wall.off)),
    row("createMeter({ otel: true }) + first flush", median(cpu.on), median(wall.on)),
    row(
      "added by loading OpenTelemetry",
      median(cpu.on) - median(cpu.off),
      median(wall.on) - median(wall.off),
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// 2. Per call: the option against the import, on the same SDK providers.

function discard() {
  return {
    export: (_items: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }),
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

function registerSdk(): () => Promise<void> {
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({ exporter: discard() as never, maxQueueSize: 100_000 }),
    ],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new PeriodicExportingMetricReader({
    exporter: { ...discard(), selectAggregationTemporality: () => 1 } as never,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor({ exporter: discard() as never, maxQueueSize: 100_000 }),
    ],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  return async () => {
    await Promise.all([
      tracerProvider.shutdown(),
      meterProvider.shutdown(),
      loggerProvider.shutdown(),
    ]);
    trace.disable();
    metrics.disable();
    logs.disable();
  };
}

/** CPU µs per call, caller side and background work (drain, spans, metrics, logs) included. */
async function cpuPerCall(options: MeterOptions, calls: number): Promise<number> {
  const meter = createMeter({ ...quiet, ...options });
  await meter.flush(); // loaded: the steady state is measured, loading is part 1
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index++) {
    meter.track({ provider: "openai", model: "gpt-4o-mini" }, (tracker) => {
      tracker.setTokens({ inputTokens: 120, outputTokens: 40 });
    });
    if (index % 1000 === 999) await meter.flush();
  }
  await meter.flush();
  const used = cpuMicroseconds(before);
  await meter.shutdown();
  return used / calls;
}

async function measurePerCall(): Promise<Array<Record<string, string | number>>> {
  const unregister = registerSdk();
  const calls = 20_000;
  const samples: Record<string, number[]> = { off: [], imported: [], option: [] };
  const variants: Array<[string, () => Promise<number>]> = [
    ["off", () => cpuPerCall({ instrumentations: [] }, calls)],
    [
      "imported",
      async () => {
        enableOtel();
        try {
          return await cpuPerCall({}, calls);
        } finally {
          disableOtel();
        }
      },
    ],
    ["option", () => cpuPerCall({ otel: true }, calls)],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    // Odd rounds run the variants in reverse, so that neither gains from going first.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, run] of order) samples[name]!.push(await run());
  }
  await unregister();
  const off = median(samples.off!);
  const imported = median(samples.imported!);
  const option = median(samples.option!);
  return [
    { variant: "no OpenTelemetry", "CPU µs per call": off.toFixed(2), "vs import": "" },
    {
      variant: 'import "llmeter/otel"',
      "CPU µs per call": imported.toFixed(2),
      "vs import": "1.00",
    },
    {
      variant: "createMeter({ otel: true })",
      "CPU µs per call": option.toFixed(2),
      "vs import": (option / imported).toFixed(2),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 3. llmeter's own export, per protocol, collectors in a child process.

const COLLECTORS_SCRIPT = `
import { startOtlpReceiver } from ${JSON.stringify(pathToFileURL(join(ROOT, "test/otel/otlp-receiver.ts")).href)};
import { startOtlpGrpcReceiver } from ${JSON.stringify(pathToFileURL(join(ROOT, "test/otel/otlp-grpc-receiver.ts")).href)};
const [http, grpc] = await Promise.all([startOtlpReceiver(), startOtlpGrpcReceiver()]);
console.log(JSON.stringify({ http: http.url, grpc: grpc.url }));
// Keep memory flat: the benchmark only needs the collectors to answer.
setInterval(() => { http.requests.length = 0; grpc.requests.length = 0; }, 200).unref();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;

async function startCollectors(): Promise<{ http: string; grpc: string; child: ChildProcess }> {
  const script = join(workDirectory, "collectors.mts");
  writeFileSync(script, COLLECTORS_SCRIPT);
  const child = spawn(NODE, [script], { cwd: workDirectory, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolveLine) => lines.once("line", resolveLine));
  return { ...(JSON.parse(first) as { http: string; grpc: string }), child };
}

/** CPU µs per call with every span, metric and log sent (shutdown included). */
async function exportCpuPerCall(options: MeterOptions, calls: number): Promise<number> {
  const meter = createMeter({ ...quiet, ...options });
  await meter.flush();
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index++) {
    meter.track({ provider: "openai", model: "gpt-4o-mini" }, (tracker) => {
      tracker.setTokens({ inputTokens: 120, outputTokens: 40 });
    });
    // Let the batch processors send while calls go on, as in an application.
    if (index % 200 === 199) await new Promise((resolveWait) => setTimeout(resolveWait, 1));
  }
  await meter.shutdown();
  return cpuMicroseconds(before) / calls;
}

async function measureExport(): Promise<Array<Record<string, string | number>>> {
  const collectors = await startCollectors();
  // Under the batch processors' 2,048-record queues: nothing is dropped, everything is sent.
  const calls = 2_000;
  const variants = {
    "no OpenTelemetry": { instrumentations: [] },
    "http/protobuf": { otel: { endpoint: collectors.http, protocol: "http/protobuf" } },
    "http/json": { otel: { endpoint: collectors.http, protocol: "http/json" } },
    grpc: { otel: { endpoint: collectors.grpc, protocol: "grpc" } },
  } satisfies Record<string, MeterOptions>;
  const samples: Record<string, number[]> = {};
  // A warm-up round: the first pipeline of each protocol loads its exporter packages.
  for (const options of Object.values(variants)) await exportCpuPerCall(options, 200);
  for (const name of Object.keys(variants)) samples[name] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const entries = Object.entries(variants);
    // Odd rounds run the variants in reverse, so that neither gains from going first.
    for (const [name, options] of round % 2 === 0 ? entries : entries.reverse()) {
      samples[name]!.push(await exportCpuPerCall(options, calls));
    }
  }
  collectors.child.stdin?.end();
  const baseline = median(samples["no OpenTelemetry"]!);
  return Object.keys(variants).map((name) => {
    const perCall = median(samples[name]!);
    return {
      variant: name,
      "CPU µs per call": perCall.toFixed(1),
      "added by export": name === "no OpenTelemetry" ? "" : (perCall - baseline).toFixed(1),
    };
  });
}

console.log(
  `otel-export benchmark: node ${process.version}, ${ROUNDS} alternating rounds, medians of CPU time`,
);
// OTEL_EXPORT_BENCH_SECTIONS=2,3 runs only some sections.
const sections = new Set((process.env.OTEL_EXPORT_BENCH_SECTIONS ?? "1,2,3").split(","));
if (sections.has("1"))
  printTable("1. Loading OpenTelemetry lazily (fresh process each)", measureLoading());
if (sections.has("2"))
  printTable(
    "2. Per call, once loaded (real SDK providers, discarding exporters)",
    await measurePerCall(),
  );
if (sections.has("3"))
  printTable(
    "3. llmeter's own OTLP export to a loopback collector (2,000 calls, all sent)",
    await measureExport(),
  );
