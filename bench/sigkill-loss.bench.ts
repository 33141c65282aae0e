/**
 * The SIGKILL loss window of the SQLite ledger: a child process records events at full speed
 * (test/reliability/fixtures/recording-process.ts), is killed with SIGKILL after
 * KILL_AFTER_MS (default 2,000 ms, longer than any batch window) plus 0–1,000 ms at random, and the rows that
 * survived are counted against the calls that had returned. The loss is given in events and in milliseconds of calls (read from the
 * child's own clock: from the call that made the last surviving row to the last call that
 * returned). The child holds a steady RATE events per second (default 50,000; RATE=max for full
 * speed). RUNS runs per setting (default 5): the default batched mode, other `batchWindowMs`
 * values, and `syncWrites`. Run: node_modules/.bin/node bench/sigkill-loss.bench.ts
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { median, printTable } from "./measure.ts";

const CHILD = join(import.meta.dirname, "../test/reliability/fixtures/recording-process.ts");
const killAfterMs = Number(process.env.KILL_AFTER_MS ?? "2000");
const runs = Number(process.env.RUNS ?? "5");
const rate = process.env.RATE ?? "50000";

interface Setting {
  label: string;
  env: Record<string, string>;
}

const settings: Setting[] = [
  { label: "batched, default batchWindowMs (10)", env: {} },
  { label: "batched, batchWindowMs 0", env: { BATCH_WINDOW_MS: "0" } },
  { label: "batched, batchWindowMs 100", env: { BATCH_WINDOW_MS: "100" } },
  { label: "batched, batchWindowMs 1000", env: { BATCH_WINDOW_MS: "1000" } },
  { label: "syncWrites: true", env: { SYNC: "1" } },
];

/** Each report of the child: calls returned so far, and when (child's clock, ms). */
interface Report {
  recorded: number;
  at: number;
}

function runOnce(setting: Setting): Promise<{ reports: Report[]; ledger: string }> {
  const directory = mkdtempSync(join(tmpdir(), "llmeter-sigkill-"));
  const ledger = join(directory, "usage.db");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      env: {
        PATH: process.env.PATH ?? "",
        LEDGER: ledger,
        PER_TICK: "1000",
        ...(rate === "max" ? {} : { RATE: rate }),
        ...setting.env,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      // The kill comes from the parent's clock at a random point of the batch cycle, not on a
      // report (reports come when the child's event loop is free, i.e. right after a write).
      timer ??= setTimeout(() => child.kill("SIGKILL"), killAfterMs + Math.random() * 1000);
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") {
        reject(new Error(`the child ended by ${signal ?? "itself"}, not SIGKILL`));
        return;
      }
      const reports = [...stdout.matchAll(/recorded (\d+) at ([\d.]+)/g)].map((match) => ({
        recorded: Number(match[1]),
        at: Number(match[2]),
      }));
      resolve({ reports, ledger });
    });
  });
}

function countRows(ledger: string): number {
  const db = new DatabaseSync(ledger);
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

interface Loss {
  events: number;
  ms: number;
  callsPerSecond: number;
}

function measure(reports: Report[], rows: number): Loss {
  const last = reports.at(-1) ?? { recorded: 0, at: 0 };
  const first = reports[0] ?? last;
  // The report whose turn made the last surviving row (ids are sequential, rows a prefix).
  const survivor = reports.find((report) => report.recorded >= rows) ?? last;
  const seconds = (last.at - first.at) / 1000;
  // In syncWrites mode a row can be committed before its turn's report is written: never negative.
  return {
    events: Math.max(0, last.recorded - rows),
    ms: rows >= last.recorded ? 0 : last.at - survivor.at,
    callsPerSecond: seconds > 0 ? (last.recorded - first.recorded) / seconds : 0,
  };
}

const table: Array<Record<string, string | number>> = [];
for (const setting of settings) {
  const losses: Loss[] = [];
  for (let run = 0; run < runs; run++) {
    const { reports, ledger } = await runOnce(setting);
    losses.push(measure(reports, countRows(ledger)));
    rmSync(join(ledger, ".."), { recursive: true, force: true });
  }
  const events = losses.map((loss) => loss.events);
  const ms = losses.map((loss) => loss.ms);
  table.push({
    setting: setting.label,
    "calls/s (median)": Math.round(median(losses.map((loss) => loss.callsPerSecond))),
    "lost events min / median / max": `${Math.min(...events)} / ${median(events)} / ${Math.max(...events)}`,
    "lost ms min / median / max": `${Math.min(...ms).toFixed(0)} / ${median(ms).toFixed(0)} / ${Math.max(...ms).toFixed(0)}`,
  });
}
printTable(
  `SIGKILL loss window, ${runs} runs per setting, ${rate} events/s asked, killed after ${killAfterMs}–${killAfterMs + 1000} ms`,
  table,
);
