import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLedger } from "../store/create-ledger.ts";
import { createMeter, type MeterOptions } from "./create-meter.ts";
import type { DiagnosticLevel } from "./diagnostics.ts";
import type { Meter } from "./types.ts";

const meters: Meter[] = [];
afterEach(async () => {
  await Promise.all(meters.splice(0).map((meter) => meter.shutdown()));
});

/** Creates meters that share one collecting logger, as an application's meters share stderr. */
function collectingLogger() {
  const reports: Array<{ level: DiagnosticLevel; message: string }> = [];
  const logger = (level: DiagnosticLevel, message: string) => void reports.push({ level, message });
  const create = (options: Record<string, unknown>, env: Record<string, string> = {}) => {
    const meter = createMeter({
      store: false,
      pricing: false,
      diagnostics: logger,
      configContext: { env: { LLMETER_CONFIG: "none", ...env } },
      ...options,
    } as MeterOptions);
    meters.push(meter);
    return meter;
  };
  return { reports, create, messages: () => reports.map((report) => report.message) };
}

describe("createMeter typos", () => {
  it("warns about an unknown option with the closest valid name", () => {
    const { create, reports } = collectingLogger();
    create({ maxHistroy: 5 });
    expect(reports).toEqual([
      {
        level: "warn",
        message: 'unknown createMeter option "maxHistroy" is ignored; did you mean "maxHistory"?',
      },
    ]);
  });

  it("points a setting's name used as an option to the option, e.g. db to ledger", () => {
    const { create, messages } = collectingLogger();
    create({ db: "x.db", retentionDays: 30 });
    expect(messages()).toEqual([
      'unknown createMeter option "db" is ignored; the option is "ledger": createMeter({ ledger: "usage.db" }) (a path or a postgres:// URL)',
      'unknown createMeter option "retentionDays" is ignored; the option is "retention": createMeter({ retention: { maxAgeMs: 30 * 86_400_000 } })',
    ]);
  });

  it("lists the options when nothing is close", () => {
    const { create, messages } = collectingLogger();
    create({ colour: "blue" });
    expect(messages()[0]).toMatch(
      /^unknown createMeter option "colour" is ignored; createMeter takes: enabled, maxHistory, .*redactAttributes$/,
    );
  });

  it("warns about an unknown LLMETER_* variable once, however many meters read it", () => {
    const { create, messages } = collectingLogger();
    create({}, { LLMETER_MAXHISTORY: "5" });
    create({}, { LLMETER_MAXHISTORY: "5" });
    create({ maxHistroy: 1 }, { LLMETER_MAXHISTORY: "5" });
    create({ maxHistroy: 1 });
    expect(messages()).toEqual([
      "unknown environment variable LLMETER_MAXHISTORY is ignored; did you mean LLMETER_MAX_HISTORY?",
      'unknown createMeter option "maxHistroy" is ignored; did you mean "maxHistory"?',
    ]);
  });

  it("warns even when the typo leaves the meter disabled or enabled by mistake", () => {
    const { create, messages } = collectingLogger();
    const meter = create({}, { LLMETER_ENABLD: "false" });
    expect(meter.enabled).toBe(true);
    expect(messages()).toEqual([
      "unknown environment variable LLMETER_ENABLD is ignored; did you mean LLMETER_ENABLED?",
    ]);
    const { create: createDisabled, messages: disabledMessages } = collectingLogger();
    createDisabled({ enabled: false, maxHistroy: 3 });
    expect(disabledMessages()).toHaveLength(1);
  });

  it("says nothing for valid options, undefined values and known variables", () => {
    const { create, messages } = collectingLogger();
    create(
      { maxHistory: 5, ledger: undefined, batchWindowMs: 0 },
      { LLMETER_MAX_HISTORY: "7", LLMETER_DEBUG: "" },
    );
    expect(messages()).toEqual([]);
  });

  it("createLedger reports the conflicting ledger variables too", async () => {
    const reports: string[] = [];
    const ledger = await createLedger({
      location: join(mkdtempSync(join(tmpdir(), "llmeter-warnings-")), "usage.db"),
      diagnostics: (_level, message) => reports.push(message),
      configContext: {
        env: {
          LLMETER_CONFIG: "none",
          LLMETER_DB: "a.db",
          LLMETER_DATABASE_URL: "postgres://db/x",
        },
      },
    });
    await ledger.close();
    expect(reports).toEqual([
      "LLMETER_DB and LLMETER_DATABASE_URL are both set and disagree; LLMETER_DB wins and LLMETER_DATABASE_URL is ignored. Unset one of them.",
    ]);
  });
});
