// llmeter/auto: start-up time added by --import llmeter/auto (SQLite ledger) and with
// LLMETER_ENABLED=false, and the time added per call next to an explicit instrumentOpenAI, side
// by side with @opentelemetry/auto-instrumentations-node registered the same way
// (`--import .../register`). Here, beside the OpenTelemetry peers, because their OpenAI
// instrumentation patches openai 6 only: every variant runs the same openai 6 app.
// The OpenTelemetry variant exports nothing (OTEL_*_EXPORTER=none): its figures are a floor.
// Run: node_modules/.bin/node bench/run-all.ts auto
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startMockProvider } from "../../src/testing/index.ts";

const apps = fileURLToPath(new URL("./auto-apps/", import.meta.url));
// The built entry, as users load it (the .ts sources would add Node's type stripping of each file).
const autoEntry = fileURLToPath(new URL("../../dist/auto/register.js", import.meta.url));
if (!existsSync(autoEntry)) throw new Error("dist/ is missing: run `npm run build` first.");
const otelEntry = fileURLToPath(
  new URL(
    "./node_modules/@opentelemetry/auto-instrumentations-node/dist/register.mjs",
    import.meta.url,
  ),
);
const OTEL_QUIET = {
  OTEL_TRACES_EXPORTER: "none",
  OTEL_METRICS_EXPORTER: "none",
  OTEL_LOGS_EXPORTER: "none",
  OTEL_SERVICE_NAME: "llmeter-bench",
};
const folder = mkdtempSync(join(tmpdir(), "llmeter-auto-bench-"));
const RUNS = 21;

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("LLMETER_")),
  );
  return { ...env, LLMETER_DB: join(folder, "bench.db"), ...extra };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function startupMs(args: string[], env: Record<string, string>): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [...args, "startup.mjs"], {
      cwd: apps,
      env: cleanEnv(env),
    });
    if (result.status !== 0) throw new Error(String(result.stderr));
    times.push(performance.now() - started);
  }
  return median(times);
}

const plain = startupMs([], {});
const auto = startupMs(["--import", autoEntry], {});
const disabled = startupMs(["--import", autoEntry], { LLMETER_ENABLED: "false" });
const otel = startupMs(["--import", otelEntry], OTEL_QUIET);
console.log(`start-up, median of ${RUNS} (node + import openai + new OpenAI()):`);
console.log(`  no --import                      ${plain.toFixed(1)} ms`);
console.log(
  `  --import llmeter/auto            ${auto.toFixed(1)} ms  (+${(auto - plain).toFixed(1)} ms)`,
);
console.log(
  `  same, LLMETER_ENABLED=false      ${disabled.toFixed(1)} ms  (+${(disabled - plain).toFixed(1)} ms)`,
);
console.log(
  `  --import OTel auto-instr.-node   ${otel.toFixed(1)} ms  (+${(otel - plain).toFixed(1)} ms)`,
);

const mock = await startMockProvider();
const execute = promisify(execFile);
// Asynchronous: the mock provider answers from this process, which must not block while a run waits.
async function perCallMs(args: string[], env: Record<string, string>): Promise<number> {
  const values: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const { stdout } = await execute(process.execPath, [...args, "calls.mjs"], {
      cwd: apps,
      env: cleanEnv({ MOCK_URL: mock.url, ...env }),
      encoding: "utf8",
    });
    values.push(Number(stdout.trim()));
  }
  return median(values);
}
const uninstrumented = await perCallMs([], {});
const explicit = await perCallMs([], { EXPLICIT: "1" });
const automatic = await perCallMs(["--import", autoEntry], {});
const automaticOff = await perCallMs(["--import", autoEntry], { LLMETER_ENABLED: "false" });
const otelAutomatic = await perCallMs(["--import", otelEntry], OTEL_QUIET);
console.log("per chat call against the mock provider, median of 5 processes x 200 calls:");
console.log(`  not instrumented                 ${uninstrumented.toFixed(3)} ms`);
console.log(`  instrumentOpenAI (explicit)      ${explicit.toFixed(3)} ms`);
console.log(`  --import llmeter/auto            ${automatic.toFixed(3)} ms`);
console.log(`  same, LLMETER_ENABLED=false      ${automaticOff.toFixed(3)} ms`);
console.log(`  --import OTel auto-instr.-node   ${otelAutomatic.toFixed(3)} ms`);
await mock.close();
rmSync(folder, { recursive: true, force: true });
